# One INTERFACE target carries warnings, hardening and the chosen sanitizer;
# every Skua target links it. CMAKE_C_FLAGS is never touched.
add_library(skua_flags INTERFACE)
target_compile_options(skua_flags INTERFACE
	-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
	-Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral
	-fno-strict-aliasing -fstack-protector-strong -D_FORTIFY_SOURCE=2
	-D_GNU_SOURCE)
target_link_options(skua_flags INTERFACE -Wl,-z,relro -Wl,-z,now)

# No source or build path in a binary (assert messages, debug information):
# paths are recorded relative to the source tree. The build tree lies inside
# the source tree, so its map comes last, which GCC and clang then prefer.
target_compile_options(skua_flags INTERFACE
	-ffile-prefix-map=${CMAKE_SOURCE_DIR}/=
	-ffile-prefix-map=${CMAKE_BINARY_DIR}/=)

if(SKUA_SANITIZE STREQUAL "address")
	target_compile_options(skua_flags INTERFACE -fsanitize=address,undefined
		-fno-sanitize-recover=undefined -fno-omit-frame-pointer)
	target_link_options(skua_flags INTERFACE -fsanitize=address,undefined)
elseif(SKUA_SANITIZE STREQUAL "thread")
	target_compile_options(skua_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
	target_link_options(skua_flags INTERFACE -fsanitize=thread)
elseif(NOT SKUA_SANITIZE STREQUAL "none")
	message(FATAL_ERROR "SKUA_SANITIZE=${SKUA_SANITIZE}: expected none, address or thread")
endif()

# jemalloc is the allocator of the programs; a sanitizer brings its own
# allocator, so sanitized builds leave jemalloc out (docs/build.md).
add_library(skua_alloc INTERFACE)
if(SKUA_SANITIZE STREQUAL "none")
	target_link_libraries(skua_alloc INTERFACE Jemalloc::jemalloc)
	target_compile_definitions(skua_alloc INTERFACE SKUA_JEMALLOC=1)
endif()

# skua_module(<name> <deps...>): one static library per src/ folder.
function(skua_module name)
	file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.c)
	add_library(skua_${name} STATIC ${srcs})
	target_include_directories(skua_${name} PUBLIC ${SKUA_SRC})
	target_link_libraries(skua_${name} PUBLIC skua_flags ${ARGN})
endfunction()

# Fuzz builds instrument every library for coverage, so libFuzzer is guided
# by the code under test, not only by the harness.
if(SKUA_FUZZ)
	target_compile_options(skua_flags INTERFACE -fsanitize=fuzzer-no-link)
	target_link_options(skua_flags INTERFACE -fsanitize=fuzzer-no-link)
endif()

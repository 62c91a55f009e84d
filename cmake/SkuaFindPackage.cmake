# skua_find_library(<Prefix> <target> PKG <pkg-config modules...> HEADER <header>
#                   [PATH_SUFFIXES <dirs...>] NAMES <library names...>)
#
# The one mechanism behind every cmake/Find<Pkg>.cmake: pkg-config first, a
# plain find_path/find_library fallback when pkg-config knows nothing, and an
# imported target only when the library was really found.
include(FindPackageHandleStandardArgs)
find_package(PkgConfig QUIET)

function(skua_find_library prefix target)
	cmake_parse_arguments(A "" "HEADER" "PKG;NAMES;PATH_SUFFIXES" ${ARGN})
	if(PKG_CONFIG_FOUND)
		pkg_check_modules(PC_${prefix} QUIET ${A_PKG})
	endif()
	find_path(${prefix}_INCLUDE_DIR NAMES ${A_HEADER}
		HINTS ${PC_${prefix}_INCLUDEDIR} ${PC_${prefix}_INCLUDE_DIRS}
		PATH_SUFFIXES ${A_PATH_SUFFIXES})
	set(libs)
	set(missing FALSE)
	foreach(name IN LISTS A_NAMES)
		string(MAKE_C_IDENTIFIER "${name}" id)
		find_library(${prefix}_${id}_LIBRARY NAMES ${name}
			HINTS ${PC_${prefix}_LIBDIR} ${PC_${prefix}_LIBRARY_DIRS})
		if(${prefix}_${id}_LIBRARY)
			list(APPEND libs ${${prefix}_${id}_LIBRARY})
		else()
			set(missing TRUE)
		endif()
	endforeach()
	if(NOT missing)
		set(${prefix}_LIBRARIES "${libs}" CACHE INTERNAL "")
	endif()
	find_package_handle_standard_args(${prefix}
		REQUIRED_VARS ${prefix}_LIBRARIES ${prefix}_INCLUDE_DIR
		VERSION_VAR PC_${prefix}_VERSION)
	set(${prefix}_FOUND ${${prefix}_FOUND} PARENT_SCOPE)
	if(${prefix}_FOUND AND NOT TARGET ${target})
		add_library(${target} INTERFACE IMPORTED GLOBAL)
		set_target_properties(${target} PROPERTIES
			INTERFACE_INCLUDE_DIRECTORIES "${${prefix}_INCLUDE_DIR}"
			INTERFACE_LINK_LIBRARIES "${libs}")
	endif()
endfunction()

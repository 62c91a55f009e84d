include(${CMAKE_CURRENT_LIST_DIR}/SkuaFindPackage.cmake)
skua_find_library(Jemalloc Jemalloc::jemalloc PKG jemalloc HEADER jemalloc/jemalloc.h
	NAMES jemalloc)

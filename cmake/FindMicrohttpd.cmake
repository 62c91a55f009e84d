include(${CMAKE_CURRENT_LIST_DIR}/SkuaFindPackage.cmake)
skua_find_library(Microhttpd Microhttpd::microhttpd PKG libmicrohttpd HEADER microhttpd.h
	NAMES microhttpd)

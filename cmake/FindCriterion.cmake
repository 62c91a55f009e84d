include(${CMAKE_CURRENT_LIST_DIR}/SkuaFindPackage.cmake)
skua_find_library(Criterion Criterion::criterion PKG criterion
	HEADER criterion/criterion.h NAMES criterion)

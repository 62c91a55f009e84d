# liburcu (memb flavour) with its concurrent data structures (urcu-cds).
include(${CMAKE_CURRENT_LIST_DIR}/SkuaFindPackage.cmake)
skua_find_library(URCU URCU::urcu PKG "liburcu-cds;liburcu" HEADER urcu.h
	NAMES urcu-cds urcu urcu-common)

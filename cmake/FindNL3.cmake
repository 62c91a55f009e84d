# libnl-3 with the generic, route and xfrm families.
include(${CMAKE_CURRENT_LIST_DIR}/SkuaFindPackage.cmake)
skua_find_library(NL3 NL3::nl3
	PKG "libnl-3.0;libnl-genl-3.0;libnl-route-3.0;libnl-xfrm-3.0"
	HEADER netlink/netlink.h PATH_SUFFIXES libnl3
	NAMES nl-xfrm-3 nl-route-3 nl-genl-3 nl-3)

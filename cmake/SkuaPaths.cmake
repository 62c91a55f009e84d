# The installation's directories, decided once at configure time from the
# install prefix (GNUInstallDirs), and the generated header that compiles
# them into the programs: no source or build path ever reaches a binary.
#
# The default prefix is /usr, where libreswan's paths live (ipsec in
# /usr/sbin, pluto in /usr/libexec/ipsec, /etc/ipsec.conf, /run/pluto).
# The prefix given at configure time is the one compiled in: install with
# DESTDIR to stage, never with a different --prefix.
# A build directory configured before this rule existed (it has cached
# URCU_INCLUDE_DIR, which find_package() sets after this file runs) holds
# CMake's own default /usr/local without the SKUA_PREFIX_CHOSEN mark: it
# moves to /usr once too. A first configure with -DCMAKE_INSTALL_PREFIX=
# /usr/local keeps it.
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT OR
   (DEFINED CACHE{URCU_INCLUDE_DIR} AND NOT DEFINED CACHE{SKUA_PREFIX_CHOSEN} AND
    CMAKE_INSTALL_PREFIX STREQUAL "/usr/local"))
	set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Installation prefix" FORCE)
endif()
set(SKUA_PREFIX_CHOSEN ON CACHE INTERNAL "the install prefix default was applied")
# /run, not /var/run, under /usr (FHS 3.0; libreswan's /run/pluto); "var/run" is
# GNUInstallDirs' own default, never a choice (give /var/run to mean it).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr" AND
   (NOT CMAKE_INSTALL_RUNSTATEDIR OR CMAKE_INSTALL_RUNSTATEDIR STREQUAL "var/run"))
	set(CMAKE_INSTALL_RUNSTATEDIR /run CACHE PATH "Run-time variable data (RUNSTATEDIR)" FORCE)
endif()
include(GNUInstallDirs)

set(SKUA_EXECDIR ${CMAKE_INSTALL_FULL_LIBEXECDIR}/ipsec)
set(SKUA_SBINDIR ${CMAKE_INSTALL_FULL_SBINDIR})
set(SKUA_SYSCONFDIR ${CMAKE_INSTALL_FULL_SYSCONFDIR})
set(SKUA_CONF ${SKUA_SYSCONFDIR}/ipsec.conf)
set(SKUA_SECRETS ${SKUA_SYSCONFDIR}/ipsec.secrets)
set(SKUA_CONFDDIR ${SKUA_SYSCONFDIR}/ipsec.d)
set(SKUA_PAMCONF ${SKUA_SYSCONFDIR}/pam.d/pluto)	# --xauthby pam's service
set(SKUA_RUNDIR ${CMAKE_INSTALL_FULL_RUNSTATEDIR}/pluto)
set(SKUA_NSSDIR ${CMAKE_INSTALL_FULL_LOCALSTATEDIR}/lib/ipsec/nss)
set(SKUA_DOCDIR ${CMAKE_INSTALL_FULL_DATADIR}/doc/skua)

# systemd's unit directory: the one systemd.pc names for a /usr install
# (Debian 12: /lib/systemd/system, where libreswan's unit is), else under
# the prefix.
if(NOT SKUA_SYSTEMD_UNITDIR)	# -DSKUA_SYSTEMD_UNITDIR=... chooses it
	set(unitdir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
	if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
		find_package(PkgConfig QUIET)
		if(PKG_CONFIG_FOUND)
			pkg_get_variable(pc_unitdir systemd systemdsystemunitdir)
		endif()
		if(pc_unitdir)
			set(unitdir ${pc_unitdir})
		else()
			set(unitdir /lib/systemd/system)
		endif()
	endif()
	set(SKUA_SYSTEMD_UNITDIR ${unitdir})
endif()

configure_file(${CMAKE_CURRENT_LIST_DIR}/skua_paths.h.in
	${CMAKE_BINARY_DIR}/generated/skua_paths.h @ONLY)

# The build tree's marker: a program that finds it in one of the three
# directories above its executable runs from this build tree and takes its
# helpers (the _updown script, addconn, whack) from <build>/libexec/ipsec
# instead of SKUA_EXECDIR (util/paths.c). Nothing installed carries it.
file(WRITE ${CMAKE_BINARY_DIR}/skua-build-tree
	"This directory is a Skua build tree: its programs take their helpers from libexec/ipsec here.\n")

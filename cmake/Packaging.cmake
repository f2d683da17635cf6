# SPDX-License-Identifier: GPL-3.0-or-later
# Install layout and CPack (.deb). Included from the top-level CMakeLists.txt after app/, so the
# executables' targets exist here.
#
#   bin/tlblab, bin/tlblab-cli             (their install rules: app/gui/ and app/CMakeLists.txt)
#   share/tlblab/lessons/*.yaml, README.md                       the bundled lessons
#   share/applications/io.github.tlblab.TlbLab.desktop           the desktop entry
#   share/metainfo/io.github.tlblab.TlbLab.metainfo.xml          AppStream metadata
#   share/icons/hicolor/scalable/apps/io.github.tlblab.TlbLab.svg
#   share/doc/tlblab/README.md
#
# The installed executables find their lessons as ../share/tlblab/lessons next to themselves
# (core/src/lesson_run.cpp, lessonDirs()), so a relocated install tree or a .deb works without the
# source tree.

set(TLBLAB_APP_ID io.github.tlblab.TlbLab)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/lessons/ DESTINATION ${CMAKE_INSTALL_DATADIR}/tlblab/lessons
        FILES_MATCHING PATTERN "*.yaml" PATTERN "README.md")
install(FILES ${PROJECT_SOURCE_DIR}/assets/${TLBLAB_APP_ID}.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/assets/${TLBLAB_APP_ID}.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
install(FILES ${PROJECT_SOURCE_DIR}/assets/icons/${TLBLAB_APP_ID}.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# ---- CPack: `cpack` in a build directory writes tlblab_VERSION_ARCH.deb ------------------------
set(CPACK_GENERATOR "DEB" CACHE STRING "CPack generators")
set(CPACK_PACKAGE_NAME "tlblab")
set(CPACK_PACKAGE_VENDOR "TLB Lab")
set(CPACK_PACKAGE_CONTACT "TLB Lab maintainers <tlblab@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "visual debugger for x86 PAE paging, TLBs and AMD Erratum 383")
set(CPACK_PACKAGE_DESCRIPTION
    "TLB Lab simulates x86 PAE page tables, per-CPU TLBs and the Linux 32-bit CPU-hotplug path that\n"
    "triggers AMD Family 10h Erratum 383, with lessons, a desktop app and a command line tool.")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://github.com/tlblab")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Runtime libraries (Qt 6, yaml-cpp, fmt, libstdc++) come from dpkg-shlibdeps on the real binaries.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
if(TARGET tlblab)
  # Qt loads these as plugins, so dpkg-shlibdeps cannot see them: the platform plugins and SVG icons.
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libqt6svg6")
endif()
set(CPACK_SOURCE_GENERATOR "TGZ")
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build/" "/build-.*/")
include(CPack)

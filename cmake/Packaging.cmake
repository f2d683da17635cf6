# SPDX-License-Identifier: GPL-3.0-or-later
# Install layout and CPack (.deb). Included from the top-level CMakeLists.txt after app/, so the
# executables' targets exist here.
#
#   bin/tlblab, bin/tlblab-cli             (their install rules: app/gui/ and app/CMakeLists.txt)
#   share/tlblab/lessons/*.yaml, README.md                       the bundled lessons
#   share/applications/io.github.tlblab.tlblab.desktop           the desktop entry
#   share/metainfo/io.github.tlblab.tlblab.metainfo.xml          AppStream metadata
#   share/icons/hicolor/scalable/apps/io.github.tlblab.tlblab.svg
#   share/icons/hicolor/NxN/apps/io.github.tlblab.tlblab.png     N = 16 ... 512, from the SVG
#   share/mime/packages/io.github.tlblab.tlblab.xml              *.tlb scripts and *.tlblab.yaml lessons
#   share/man/man1/tlblab.1, tlblab-cli.1                        from --help (help2man)
#   share/bash-completion/completions/tlblab-cli
#   share/doc/tlblab/README.md, CHANGELOG.md, copyright
#
# The installed executables find their lessons as ../share/tlblab/lessons next to themselves
# (core/src/lesson_run.cpp, lessonDirs()), so a relocated install tree or a .deb works without the
# source tree.

set(TLBLAB_APP_ID io.github.tlblab.tlblab)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/lessons/ DESTINATION ${CMAKE_INSTALL_DATADIR}/tlblab/lessons
        FILES_MATCHING PATTERN "*.yaml" PATTERN "README.md")
install(FILES ${PROJECT_SOURCE_DIR}/assets/${TLBLAB_APP_ID}.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/assets/${TLBLAB_APP_ID}.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
install(FILES ${PROJECT_SOURCE_DIR}/assets/icons/${TLBLAB_APP_ID}.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian's machine-readable copyright file (the licence: GPL-3.0-or-later, LICENSE).
install(FILES ${PROJECT_SOURCE_DIR}/assets/debian-copyright DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
install(FILES ${PROJECT_SOURCE_DIR}/assets/${TLBLAB_APP_ID}.mime.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/mime/packages
        RENAME ${TLBLAB_APP_ID}.xml)
install(FILES ${PROJECT_SOURCE_DIR}/assets/completion/tlblab-cli
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

# A build tree looks like an install tree to the lesson search (core/src/lesson_run.cpp,
# lessonDirs(): ../share/tlblab/lessons next to the executable), so no path of the source tree is
# compiled into a binary: links to lessons/ beside the folders that hold executables.
foreach(dir . app tests)
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/${dir}/share/tlblab)
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/lessons ${CMAKE_BINARY_DIR}/${dir}/share/tlblab/lessons SYMBOLIC)
endforeach()

# PNG icons of the usual hicolor sizes, rendered from the SVG at build time by rsvg-convert
# (Debian librsvg2-bin).
set(TLBLAB_ICON_SVG ${PROJECT_SOURCE_DIR}/assets/icons/${TLBLAB_APP_ID}.svg)
find_program(TLBLAB_RSVG_CONVERT rsvg-convert)
if(TLBLAB_RSVG_CONVERT)
  set(pngs)
  foreach(size 16 22 24 32 48 64 128 256 512)
    set(png ${CMAKE_BINARY_DIR}/icons/${size}x${size}/${TLBLAB_APP_ID}.png)
    add_custom_command(OUTPUT ${png}
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/icons/${size}x${size}
                       COMMAND ${TLBLAB_RSVG_CONVERT} -w ${size} -h ${size} -o ${png} ${TLBLAB_ICON_SVG}
                       DEPENDS ${TLBLAB_ICON_SVG} VERBATIM)
    list(APPEND pngs ${png})
    install(FILES ${png} DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps)
  endforeach()
  add_custom_target(tlblab_icons ALL DEPENDS ${pngs})
else()
  message(WARNING "rsvg-convert (librsvg2-bin) not found: no PNG icons are installed")
endif()

# Man pages from the programs' own --help (help2man), so they cannot drift from it; tlblab-cli's
# has a section per subcommand. The app prints --help without a display.
find_program(TLBLAB_HELP2MAN help2man)
if(TLBLAB_HELP2MAN)
  set(pages)
  foreach(prog tlblab-cli tlblab)
    if(NOT TARGET ${prog})
      continue()
    endif()
    set(page ${CMAKE_BINARY_DIR}/man/${prog}.1)
    if(prog STREQUAL tlblab-cli)
      set(desc "run, check, explore and export TLB Lab lessons and scripts headless")
      set(subs --subcommands)
    else()
      set(desc "visual debugger of x86 PAE paging, TLBs and AMD Erratum 383")
      set(subs "")
    endif()
    add_custom_command(OUTPUT ${page}
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
                       COMMAND bash ${PROJECT_SOURCE_DIR}/cmake/gen-man.sh $<TARGET_FILE:${prog}> ${page} ${desc}
                               ${PROJECT_SOURCE_DIR}/assets/man/${prog}.h2m ${subs}
                       DEPENDS ${prog} ${PROJECT_SOURCE_DIR}/cmake/gen-man.sh ${PROJECT_SOURCE_DIR}/assets/man/${prog}.h2m
                       VERBATIM)
    list(APPEND pages ${page})
    install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  endforeach()
  add_custom_target(tlblab_man ALL DEPENDS ${pages})
else()
  message(WARNING "help2man not found: no man pages are installed")
endif()

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
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_SOURCE_GENERATOR "TGZ")
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build/" "/build-.*/")
include(CPack)

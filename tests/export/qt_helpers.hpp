// SPDX-License-Identifier: GPL-3.0-or-later
// The QApplication of the Qt export and canvas tests (made in qt_main.cpp), and a machine in the
// erratum 383 state to draw.
#pragma once

#include "tlblab/diagram.hpp"

#include <QApplication>

namespace tlblab::test {

// The application qt_main.cpp created.
inline QApplication& qtApp() { return *static_cast<QApplication*>(QCoreApplication::instance()); }

inline const char* erratumScript() {
    return "cpus 3\nkernel_boot\ncpu0 cpu_down cpu2\ntask bash\n"
           "map \"bash pgd\" 0x08048000 0x2000000 16K 4K user rw\n"
           "cpu1 schedule bash\ncpu1 access 0x08048000 read user\ncpu1 schedule idle\n"
           "cpu0 native_cpu_up cpu2\ncpu1 speculate 0x08048000\ncpu1 schedule bash\n"
           "cpu1 access 0x08048000 read user\n";
}

// The machine after `script`, and the scene of its last step.
inline Scene sceneOf(const std::string& script, Machine* out = nullptr) {
    Machine m;
    EventList ev;
    for (const Op& op : parseScript(script, "test")) {
        ev.clear();
        m.execute(op, &ev);
    }
    SceneOptions o;
    o.events = ev;
    if (out) *out = m;
    return buildScene(m, o);
}

}  // namespace tlblab::test

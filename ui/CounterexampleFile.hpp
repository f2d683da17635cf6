// SPDX-License-Identifier: GPL-3.0-or-later
// A counterexample (a lesson file the explorer or a challenge check wrote) saved for the debugger
// to open: the Explore and Challenge panels both hand one to MainWindow::openLesson.
#pragma once

#include <QString>

#include <memory>
#include <string>

class QTemporaryFile;

namespace tlblab::ui {

// Writes `yaml` to a private file in the temporary folder, created exclusively (O_EXCL, mode
// 0600) under a random name, so that nothing planted there can redirect the write. The file lives
// as long as the returned object; null with `error` set if it cannot be written.
std::unique_ptr<QTemporaryFile> writeCounterexampleFile(const std::string& yaml, QString& error);

}  // namespace tlblab::ui

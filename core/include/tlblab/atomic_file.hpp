// SPDX-License-Identifier: GPL-3.0-or-later
// The one file writer of every export (TikZ, HTML, SVG, PDF, PNG, handout) and of explore traces.
// Qt-free: the Qt formats render into memory and hand the bytes over.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace tlblab {

// A file could not be written; what() is "cannot write PATH: REASON". The target is unchanged.
class FileWriteError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Writes `data` to `path` so that `path` holds either its old content or all of `data`, never a
// part:
//  - a temporary file is created exclusively (O_CREAT|O_EXCL, unpredictable name, mode 0600 until
//    it is complete) in the target's folder, written to the end (short writes are continued,
//    EINTR retried), fsync'ed, given the old file's permissions (a new file: 0666 less the umask),
//    renamed over `path`, and the folder is fsync'ed;
//  - a target that exists and is not a regular file (a directory, a device such as /dev/null, a
//    FIFO, a socket) is refused before anything is created;
//  - a symbolic link at `path` is refused: nothing is written through it and it is not replaced
//    (give the link's target instead).
// On any failure the temporary file is removed and FileWriteError names the path and the reason.
void writeFileAtomic(const std::string& path, std::string_view data);

}  // namespace tlblab

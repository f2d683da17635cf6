// SPDX-License-Identifier: GPL-3.0-or-later
// writeFileAtomic: exclusive temporary file, full write, fsync, rename, fsync of the folder.
#include "tlblab/atomic_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <system_error>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tlblab {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& why) {
    throw FileWriteError(fmt::format("cannot write {}: {}", path, why));
}

const char* kindOf(mode_t m) {
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

// Removes the temporary file and closes its descriptor whatever happens, unless released.
class TempFile {
public:
    TempFile(int fd, std::string name) : m_fd(fd), m_name(std::move(name)) {}
    ~TempFile() {
        if (m_fd >= 0) ::close(m_fd);
        if (!m_name.empty()) ::unlink(m_name.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    int fd() const { return m_fd; }
    const std::string& name() const { return m_name; }
    int close() {
        const int r = ::close(m_fd);
        m_fd = -1;
        return r;
    }
    void release() { m_name.clear(); }

private:
    int m_fd;
    std::string m_name;
};

}  // namespace

void writeFileAtomic(const std::string& path, std::string_view data) {
    if (path.empty()) throw FileWriteError("cannot write: no output path given");
    if (path.back() == '/') fail(path, "the path names a directory");

    mode_t mode = 0;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (S_ISLNK(st.st_mode))
            fail(path, "it is a symbolic link; TLB Lab neither writes through nor replaces a link (give the file it "
                       "points to, or remove the link)");
        if (!S_ISREG(st.st_mode)) fail(path, fmt::format("it exists and is {}, not a regular file", kindOf(st.st_mode)));
        mode = st.st_mode & 07777;
    } else if (errno != ENOENT) {
        fail(path, std::generic_category().message(errno));
    } else {
        const mode_t mask = ::umask(022);
        ::umask(mask);
        mode = 0666 & ~mask;
    }

    const std::size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : path.substr(0, slash);
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    std::string name = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + "." + base +
                       ".tmp-XXXXXX";
    const int fd = ::mkostemp(name.data(), O_CLOEXEC);  // O_CREAT|O_EXCL, mode 0600, random suffix
    if (fd < 0) fail(path, fmt::format("cannot create a temporary file in {}: {}", dir, std::generic_category().message(errno)));
    TempFile tmp(fd, name);

    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        const ssize_t n = ::write(tmp.fd(), p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(path, std::generic_category().message(errno));
        }
        if (n == 0) fail(path, "the write made no progress");
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::fchmod(tmp.fd(), mode) != 0) fail(path, std::generic_category().message(errno));
    if (::fsync(tmp.fd()) != 0) fail(path, std::generic_category().message(errno));
    if (tmp.close() != 0) fail(path, std::generic_category().message(errno));
    if (::rename(tmp.name().c_str(), path.c_str()) != 0) fail(path, std::generic_category().message(errno));
    tmp.release();
    // The rename is durable once the folder is on disk too; a folder that cannot be synced (some
    // file systems) does not make the write fail: the data are complete either way.
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace tlblab

// TreeWatcher: inotify over a listed set of directories (watch.h).
//
// inotify by hand rather than a library: Debian's candidates (libinotifytools, libuv's fs
// events, libfswatch) either add a recursive walk that ignores the scanner's rules or a second
// event loop; what semdex needs is the few system calls below.
#include <fmt/format.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "watch/watch.h"

namespace semdex {
namespace {

// Everything that can change what a scan finds in a directory. IN_MODIFY as well as
// IN_CLOSE_WRITE: a long write keeps the batch from starting until it is done.
constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |
                           IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

constexpr std::string_view kIgnoreFileNames[] = {".gitignore", ".semdexignore"};

std::string ErrnoText(int err) { return std::system_category().message(err); }

}  // namespace

bool EventMayChangeIndex(std::string_view name, bool is_dir) {
  if (is_dir || name.empty()) return true;
  for (std::string_view ignore_file : kIgnoreFileNames) {
    if (name == ignore_file) return true;
  }
  return LanguageForPath(name).has_value();
}

TreeWatcher::~TreeWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

Status TreeWatcher::Open() {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ >= 0) return Status::Ok();
  const int err = errno;
  if (err == EMFILE) {
    return Status::IoError(
        "cannot watch: the per-user limit of inotify instances is reached (raise "
        "/proc/sys/fs/inotify/max_user_instances, e.g. sudo sysctl "
        "fs.inotify.max_user_instances=1024, or stop other watchers)");
  }
  return Status::IoError(fmt::format("cannot watch: inotify_init1: {}", ErrnoText(err)));
}

Status TreeWatcher::Sync(const std::vector<std::string>& directories, size_t* added) {
  *added = 0;
  std::map<int, std::string> now;
  for (const std::string& dir : directories) {
    const int wd = ::inotify_add_watch(fd_, dir.c_str(), kMask);
    if (wd < 0) {
      const int err = errno;
      if (err == ENOENT || err == ENOTDIR || err == EACCES) continue;  // gone or unreadable now
      if (err == ENOSPC) {
        return Status::IoError(fmt::format(
            "cannot watch {}: the per-user limit of inotify watches is reached ({} directories "
            "watched by this process; raise /proc/sys/fs/inotify/max_user_watches, e.g. sudo "
            "sysctl fs.inotify.max_user_watches=524288)",
            dir, now.size()));
      }
      return Status::IoError(fmt::format("cannot watch {}: {}", dir, ErrnoText(err)));
    }
    // One watch per inode: a renamed directory answers with its old descriptor.
    if (paths_.count(wd) == 0 && now.count(wd) == 0) ++*added;
    now[wd] = dir;
  }
  for (const auto& [wd, dir] : paths_) {
    if (now.count(wd) == 0) (void)::inotify_rm_watch(fd_, wd);  // gone: EINVAL, harmless
  }
  paths_ = std::move(now);
  return Status::Ok();
}

Status TreeWatcher::Read(std::chrono::milliseconds timeout, Events* events) {
  struct pollfd p {};
  p.fd = fd_;
  p.events = POLLIN;
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready < 0) {
    if (errno == EINTR) return Status::Ok();  // a signal: the caller looks at its stop flag
    return Status::IoError(fmt::format("cannot watch: poll: {}", ErrnoText(errno)));
  }
  if (ready == 0) return Status::Ok();
  alignas(struct inotify_event) char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return Status::Ok();
      return Status::IoError(fmt::format("cannot watch: read: {}", ErrnoText(errno)));
    }
    if (n == 0) return Status::Ok();
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const struct inotify_event*>(buf + at);
      at += static_cast<ssize_t>(sizeof(struct inotify_event) + e->len);
      if ((e->mask & IN_Q_OVERFLOW) != 0) {
        events->overflow = true;
        continue;
      }
      if ((e->mask & IN_IGNORED) != 0) {  // the kernel dropped the watch (directory gone)
        paths_.erase(e->wd);
        continue;
      }
      const std::string_view name = e->len > 0 ? std::string_view(e->name) : std::string_view();
      if (EventMayChangeIndex(name, (e->mask & IN_ISDIR) != 0)) {
        events->relevant++;
      } else {
        events->ignored++;
      }
    }
  }
}

}  // namespace semdex

// A test client for `semdex mcp`: spawns the binary with pipes on stdin and stdout (stderr to a
// file) and speaks newline-delimited JSON-RPC to it.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace semdex::testing {

class McpClient {
 public:
  // Starts `binary` with `args` (argv[1...]); stderr goes to `stderr_path`.
  McpClient(const std::string& binary, const std::vector<std::string>& args,
            const std::string& stderr_path) {
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) {
      ADD_FAILURE() << "pipe failed";
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(to_child[0], STDIN_FILENO);
      ::dup2(from_child[1], STDOUT_FILENO);
      const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) ::dup2(err, STDERR_FILENO);
      for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) ::close(fd);
      std::vector<char*> argv{const_cast<char*>(binary.c_str())};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = to_child[1];
    out_ = from_child[0];
    ::signal(SIGPIPE, SIG_IGN);  // a dead server shows up as a failed write, not a signal
  }

  ~McpClient() {
    CloseInput();
    if (out_ >= 0) ::close(out_);
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  McpClient(const McpClient&) = delete;
  McpClient& operator=(const McpClient&) = delete;

  // Writes `text` as sent (the caller adds the newline).
  bool SendRaw(const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(in_, text.data() + done, text.size() - done);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  bool Send(const nlohmann::json& message) { return SendRaw(message.dump() + "\n"); }

  // The next line the server writes; "" at end of output or after `timeout_ms`.
  std::string ReadLine(int timeout_ms = 120000) {
    for (;;) {
      const size_t newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        lines_.push_back(line);
        return line;
      }
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return "";
      char chunk[65536];
      const ssize_t n = ::read(out_, chunk, sizeof(chunk));
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  // Sends a request and returns its response (which must carry the same id).
  nlohmann::json Request(const std::string& method, const nlohmann::json& params) {
    const int id = next_id_++;
    Send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
    nlohmann::json response = nlohmann::json::parse(ReadLine(), nullptr, false);
    EXPECT_TRUE(response.is_object()) << method;
    if (response.is_object()) {
      EXPECT_EQ(response.value("id", -1), id) << response.dump();
    }
    return response;
  }

  // tools/call; returns the result object (or the error response when there is no result).
  nlohmann::json CallTool(const std::string& name, const nlohmann::json& arguments) {
    nlohmann::json r = Request("tools/call", {{"name", name}, {"arguments", arguments}});
    return r.contains("result") ? r["result"] : r;
  }

  void CloseInput() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }

  // Closes stdin and waits for the server to exit; its exit code (or 128 + signal).
  int Finish() {
    CloseInput();
    int status = 0;
    ::waitpid(pid_, &status, 0);
    waited_ = true;
    // Whatever is left on stdout is read too, so AllLines() covers all output.
    while (!ReadLine(1000).empty()) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // Every line read from the server's stdout so far.
  const std::vector<std::string>& AllLines() const { return lines_; }

 private:
  pid_t pid_ = -1;
  bool waited_ = false;
  int in_ = -1;
  int out_ = -1;
  int next_id_ = 1;
  std::string buffer_;
  std::vector<std::string> lines_;
};

}  // namespace semdex::testing

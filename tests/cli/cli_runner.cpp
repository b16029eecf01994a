#include "cli_runner.h"

#include "test_paths.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nasrank::testing {
namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}
}  // namespace

RunningCli start_cli(const std::vector<std::string>& args) {
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const std::string binary = cli_path().string();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  return {pid, err_pipe[0]};
}

namespace {
CliResult run_cli_impl(const std::vector<std::string>& args, const std::string& stdin_text, const ChildLimits& limits);
}

CliResult run_cli(const std::vector<std::string>& args, const std::string& stdin_text) {
  return run_cli_impl(args, stdin_text, {});
}

CliResult run_cli_limited(const std::vector<std::string>& args, const ChildLimits& limits) {
  return run_cli_impl(args, {}, limits);
}

namespace {
CliResult run_cli_impl(const std::vector<std::string>& args, const std::string& stdin_text, const ChildLimits& limits) {
  // Files instead of pipes: large outputs cannot deadlock the child.
  char out_path[] = "/tmp/nasrank-cli-out-XXXXXX";
  char err_path[] = "/tmp/nasrank-cli-err-XXXXXX";
  char in_path[] = "/tmp/nasrank-cli-in-XXXXXX";
  const int out_fd = mkstemp(out_path);
  const int err_fd = mkstemp(err_path);
  const int in_fd = mkstemp(in_path);
  if (out_fd < 0 || err_fd < 0 || in_fd < 0) throw std::runtime_error("run_cli: mkstemp failed");
  if (!stdin_text.empty() &&
      write(in_fd, stdin_text.data(), stdin_text.size()) != static_cast<ssize_t>(stdin_text.size()))
    throw std::runtime_error("run_cli: cannot write stdin file");
  lseek(in_fd, 0, SEEK_SET);
  const std::string binary = cli_path().string();
  // Under a file size limit the output files would be cut at the limit too:
  // then stdout and stderr go through pipes, drained below as the child runs.
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  const bool piped = limits.file_size_bytes != 0;
  if (piped && (pipe(out_pipe) != 0 || pipe(err_pipe) != 0)) throw std::runtime_error("run_cli: pipe failed");
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in_fd, 0);
    dup2(piped ? out_pipe[1] : out_fd, 1);
    dup2(piped ? err_pipe[1] : err_fd, 2);
    if (piped)
      for (const int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    if (limits.address_space_bytes) {
      const rlimit limit{limits.address_space_bytes, limits.address_space_bytes};
      if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(126);
    }
    if (limits.file_size_bytes) {
      signal(SIGXFSZ, SIG_IGN);  // stays ignored across execv
      const rlimit limit{limits.file_size_bytes, limits.file_size_bytes};
      if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(126);
    }
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  std::string piped_out, piped_err;
  if (piped) {
    close(out_pipe[1]);
    close(err_pipe[1]);
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&piped_out, &piped_err};
    int open_pipes = 2;
    while (open_pipes > 0) {
      if (poll(fds, 2, -1) < 0) continue;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buffer[65536];
        const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
        if (n > 0) {
          sinks[i]->append(buffer, static_cast<std::size_t>(n));
        } else {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_pipes;
        }
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(out_fd);
  close(err_fd);
  close(in_fd);
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = piped ? piped_out : slurp(out_path);
  result.err = piped ? piped_err : slurp(err_path);
  std::remove(out_path);
  std::remove(err_path);
  std::remove(in_path);
  return result;
}
}  // namespace

}  // namespace nasrank::testing

// Crowds the process table for bench/process_table.sh: forks N children that only wait, prints
// "ready N" once they all exist, and kills them when its stdin closes or it is signalled.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 3000;
  if (n <= 0 || n > 100000) {
    std::fprintf(stderr, "usage: crowd N (1..100000)\n");
    return 64;
  }
  ::signal(SIGTERM, [](int) {});  // interrupts the read below; the children are killed after it
  ::signal(SIGINT, [](int) {});
  std::vector<pid_t> kids;
  kids.reserve(static_cast<size_t>(n));
  for (long i = 0; i < n; ++i) {
    pid_t pid = ::fork();
    if (pid < 0) {
      std::perror("crowd: fork");
      break;
    }
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the bench
      for (;;) ::pause();
    }
    kids.push_back(pid);
  }
  std::printf("ready %zu\n", kids.size());
  std::fflush(stdout);
  char c;
  while (::read(0, &c, 1) > 0) {
  }
  for (pid_t pid : kids) ::kill(pid, SIGKILL);
  for (pid_t pid : kids) ::waitpid(pid, nullptr, 0);
  return kids.size() == static_cast<size_t>(n) ? 0 : 1;
}

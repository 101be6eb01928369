// libsimgrid defines its own MPI_* symbols (SMPI). Linked after libmpi, they must not win:
// MPI_Init in a binary that links both must resolve to Open MPI's libmpi.
#include <dlfcn.h>
#include <mpi.h>

#include <cstring>
#include <iostream>

int main() {
  Dl_info info{};
  void* const address = reinterpret_cast<void*>(&MPI_Init);
  if (dladdr(address, &info) == 0 || info.dli_fname == nullptr) {
    std::cerr << "dladdr found no object for MPI_Init\n";
    return 1;
  }
  std::cout << "MPI_Init resolves to " << info.dli_fname << "\n";
  return std::strstr(info.dli_fname, "libmpi") != nullptr ? 0 : 1;
}

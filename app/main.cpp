// The carepath command: a few lines over the tested carepath_cli library.
#include <carepath/cli.hpp>

int main(int argc, char** argv) {
  return carepath::cli::main(argc, argv);
}

// same_datasets A B: compares every dataset's content hash of two HDF5 files (bit-identity of
// results; attributes such as /meta's creation time may differ). Exit 0 if identical.
#include <carepath/outputs/result_file.hpp>

#include <iostream>
#include <map>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: same_datasets A.h5 B.h5\n";
    return 2;
  }
  std::map<std::string, std::uint64_t> a;
  std::map<std::string, std::uint64_t> b;
  for (const auto& o : carepath::outputs::inspect_file(argv[1]))
    if (o.is_dataset) a[o.path] = o.content_hash;
  for (const auto& o : carepath::outputs::inspect_file(argv[2]))
    if (o.is_dataset) b[o.path] = o.content_hash;
  int differ = 0;
  for (const auto& [path, hash] : a) {
    const auto it = b.find(path);
    if (it == b.end() || it->second != hash) {
      std::cerr << "differs: " << path << "\n";
      ++differ;
    }
  }
  for (const auto& [path, hash] : b) {
    if (a.find(path) == a.end()) {
      std::cerr << "only in " << argv[2] << ": " << path << "\n";
      ++differ;
    }
  }
  std::cout << a.size() << " datasets compared, " << differ << " differ\n";
  return differ == 0 && !a.empty() ? 0 : 1;
}

# Third-party dependencies, all from Debian packages (tools/setup.sh installs them).
find_package(PkgConfig REQUIRED)
# libsimgrid-dev 3.32 ships only simgrid.pc.
pkg_check_modules(SIMGRID REQUIRED IMPORTED_TARGET simgrid>=3.32)
# Always name the HDF5 flavour: the unversioned hdf5.pc flips to MPI when libhdf5-openmpi-dev is present.
pkg_check_modules(HDF5 REQUIRED IMPORTED_TARGET hdf5-serial)
# Excel workbooks (`carepath export --xlsx`): libxlsxwriter-dev.
pkg_check_modules(XLSXWRITER REQUIRED IMPORTED_TARGET xlsxwriter)
find_package(yaml-cpp REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(Threads REQUIRED)
# Optional: MPI (OpenMPI: openmpi-bin, libopenmpi-dev) builds the MPI runner into carepath.
option(CAREPATH_MPI "Build the MPI runner if MPI is found" ON)
if(CAREPATH_MPI)
  find_package(MPI COMPONENTS C)
endif()

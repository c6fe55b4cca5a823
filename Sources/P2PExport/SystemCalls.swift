// read(2) and write(2) as free functions: inside `FileBytes` and `AtomicFile` the plain names
// would mean their own static `read` and `write`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

func sysRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buf, count) }

func sysWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buf, count) }

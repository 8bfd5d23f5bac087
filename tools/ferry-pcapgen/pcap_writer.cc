#include "tools/ferry-pcapgen/pcap_writer.h"

#include <cerrno>
#include <cstring>

#include "lib/util/text.h"

namespace ferry::pcapgen {

namespace {

constexpr uint32_t kMagicMicroseconds = 0xa1b2c3d4;
constexpr uint32_t kLinktypeEthernet = 1;
constexpr uint32_t kSnapLen = 65535;
constexpr size_t kBufferSize = 1 << 20;

// Classic pcap headers are in the writer's byte order; readers detect it
// from the magic number.
struct FileHeader {
  uint32_t magic;
  uint16_t version_major;
  uint16_t version_minor;
  int32_t thiszone;
  uint32_t sigfigs;
  uint32_t snaplen;
  uint32_t linktype;
};
static_assert(sizeof(FileHeader) == 24);

struct RecordHeader {
  uint32_t ts_sec;
  uint32_t ts_usec;
  uint32_t incl_len;
  uint32_t orig_len;
};
static_assert(sizeof(RecordHeader) == 16);

Error io_error(const char* what, const std::string& path, int err) {
  return make_error(strprintf("%s %s: %s", what, path.c_str(), std::strerror(err)), err);
}

}  // namespace

PcapWriter::~PcapWriter() {
  if (file_) {
    std::fclose(file_);
    std::remove(tmp_path_.c_str());
  }
}

Status PcapWriter::open(const std::string& path) {
  if (file_) return make_error("pcap writer already open");
  path_ = path;
  tmp_path_ = path + ".tmp";
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (!file_) return io_error("cannot create", tmp_path_, errno);
  std::setvbuf(file_, nullptr, _IOFBF, kBufferSize);
  FileHeader h{kMagicMicroseconds, 2, 4, 0, 0, kSnapLen, kLinktypeEthernet};
  return write_raw(&h, sizeof h);
}

Status PcapWriter::write(std::span<const uint8_t> frame, uint64_t ts_us) {
  if (!file_) return make_error("pcap writer not open");
  if (frame.size() > kSnapLen) return make_error("frame longer than the snap length");
  RecordHeader r{static_cast<uint32_t>(ts_us / 1000000), static_cast<uint32_t>(ts_us % 1000000),
                 static_cast<uint32_t>(frame.size()), static_cast<uint32_t>(frame.size())};
  Status st = write_raw(&r, sizeof r);
  if (!st) return st;
  st = write_raw(frame.data(), frame.size());
  if (st) records_++;
  return st;
}

Status PcapWriter::finish() {
  if (!file_) return make_error("pcap writer not open");
  FILE* f = file_;
  file_ = nullptr;
  bool failed = std::fflush(f) != 0 || std::ferror(f);
  int err = errno;
  if (std::fclose(f) != 0 && !failed) {
    failed = true;
    err = errno;
  }
  if (failed) {
    std::remove(tmp_path_.c_str());
    return io_error("cannot write", tmp_path_, err);
  }
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    err = errno;
    std::remove(tmp_path_.c_str());
    return io_error("cannot rename to", path_, err);
  }
  return {};
}

Status PcapWriter::write_raw(const void* data, size_t len) {
  if (std::fwrite(data, 1, len, file_) != len) return io_error("cannot write", tmp_path_, errno);
  return {};
}

}  // namespace ferry::pcapgen

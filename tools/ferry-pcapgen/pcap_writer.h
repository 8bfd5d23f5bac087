// A buffered writer of classic pcap files (microsecond timestamps,
// LINKTYPE_ETHERNET). It writes to PATH.tmp and renames it to PATH on
// finish(), so a failed or interrupted run never leaves a short file
// under the final name.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "lib/util/result.h"

namespace ferry::pcapgen {

class PcapWriter {
 public:
  PcapWriter() = default;
  ~PcapWriter();  // removes the temporary file unless finish() succeeded
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  Status open(const std::string& path);
  // One record with timestamp ts_us (microseconds).
  Status write(std::span<const uint8_t> frame, uint64_t ts_us);
  Status finish();

  uint64_t records() const { return records_; }

 private:
  Status write_raw(const void* data, size_t len);

  std::string path_, tmp_path_;
  FILE* file_ = nullptr;
  uint64_t records_ = 0;
};

}  // namespace ferry::pcapgen

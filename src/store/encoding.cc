#include "store/encoding.h"

#include <fmt/format.h>
#include <time.h>

#include <bit>
#include <cstdint>

#include "store/store.h"
#include "util/util.h"

namespace semdex {
namespace {

void AppendLe32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t ReadLe32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

}  // namespace

std::string FormatTimestampUtc(std::chrono::system_clock::time_point t) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const int64_t ms_since_epoch = duration_cast<milliseconds>(t.time_since_epoch()).count();
  int64_t seconds = ms_since_epoch / 1000;
  int64_t ms = ms_since_epoch % 1000;
  if (ms < 0) {  // before 1970: floor, not truncate
    ms += 1000;
    seconds -= 1;
  }
  const time_t tt = static_cast<time_t>(seconds);
  struct tm tm_utc {};
  gmtime_r(&tt, &tm_utc);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", tm_utc.tm_year + 1900,
                     tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour, tm_utc.tm_min,
                     tm_utc.tm_sec, ms);
}

std::string NowTimestampUtc() { return FormatTimestampUtc(std::chrono::system_clock::now()); }

std::string EncodeEmbedding(const std::vector<float>& values) {
  std::string out;
  out.reserve(values.size() * 4);
  for (float f : values) AppendLe32(std::bit_cast<uint32_t>(f), &out);
  return out;
}

bool DecodeEmbedding(std::string_view blob, std::vector<float>* out) {
  out->clear();
  if (blob.size() % 4 != 0) return false;
  out->reserve(blob.size() / 4);
  for (size_t i = 0; i < blob.size(); i += 4) {
    out->push_back(std::bit_cast<float>(ReadLe32(blob.data() + i)));
  }
  return true;
}

// The hashed bytes are, in order: the repository's UTF-8 bytes, one NUL byte, the file path's
// bytes, one NUL byte, then start_byte and end_byte as 4-byte little-endian unsigned integers
// and part as a 4-byte little-endian two's-complement integer. The id is Xxh3Hex128 of them: 32
// lowercase hex digits. Changing this changes every stored id.
std::string ChunkId(std::string_view repository, std::string_view file_path, uint32_t start_byte,
                    uint32_t end_byte, int part) {
  std::string key;
  key.reserve(repository.size() + file_path.size() + 14);
  key.append(repository);
  key.push_back('\0');
  key.append(file_path);
  key.push_back('\0');
  AppendLe32(start_byte, &key);
  AppendLe32(end_byte, &key);
  AppendLe32(static_cast<uint32_t>(static_cast<int32_t>(part)), &key);
  return Xxh3Hex128(key);
}

}  // namespace semdex

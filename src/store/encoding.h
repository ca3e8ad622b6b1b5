// encoding: how the index stores values that have more than one plausible encoding. Internal to
// src/store/ (and its tests); readers of the index in other languages follow these rules too.
//
// - Timestamps: ISO-8601 UTC with milliseconds, e.g. "2025-11-02T14:03:07.125Z". They sort
//   lexicographically in time order.
// - Embeddings: a BLOB of float32 values, little-endian, 4 bytes each, no header; the vector's
//   dimension is the blob's length / 4. An empty vector is stored as NULL.
// - Chunk ids: see ChunkId in store/store.h and encoding.cc.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace semdex {

std::string FormatTimestampUtc(std::chrono::system_clock::time_point t);
// The current time, formatted by FormatTimestampUtc.
std::string NowTimestampUtc();

std::string EncodeEmbedding(const std::vector<float>& values);
// Returns false (and leaves *out empty) if `blob`'s length is not a multiple of 4.
bool DecodeEmbedding(std::string_view blob, std::vector<float>* out);

}  // namespace semdex

// hf_text: the text steps of Hugging Face tokenizers (tokenizer.json) that come before the
// model's vocabulary: normalisers and pre-tokenisers, with the semantics of the Rust `tokenizers`
// crate. Internal to src/embed/ (HfTokenizer and its tests).
//
// All functions take and return UTF-8; REQUIRES: the input is valid UTF-8.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace semdex::hf_text {

// BertNormalizer's steps, in its order: clean_text drops NUL, U+FFFD and control characters
// (Unicode C*, except tab, newline, carriage return) and turns whitespace into ' ';
// handle_chinese_chars puts spaces around CJK ideographs; strip_accents decomposes (NFD) and drops
// non-spacing marks (Mn); lowercase maps each character to lower case.
struct BertNormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
};
std::string BertNormalize(std::string_view text, const BertNormalizerOptions& options);

// Per-character lower case, as Rust's char::to_lowercase (no context-dependent final sigma).
std::string Lowercase(std::string_view text);
// NFD, then drop non-spacing marks (the StripAccents normaliser).
std::string StripAccents(std::string_view text);
// Unicode normal forms: "NFC", "NFD", "NFKC", "NFKD".
std::string UnicodeNormalize(std::string_view text, std::string_view form);

// BertPreTokenizer: splits on whitespace (dropped) and isolates each punctuation character (ASCII
// punctuation or Unicode P*). Appends the words to *words.
void BertPreTokenize(std::string_view text, std::vector<std::string>* words);

// The GPT-2 pre-tokenisation regex, as ByteLevel(use_regex=true) applies it:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// Appends the pieces (which cover the text exactly) to *pieces.
void Gpt2Split(std::string_view text, std::vector<std::string>* pieces);

// ByteLevel's byte-to-character map (GPT-2's bytes_to_unicode): each byte of `piece` becomes one
// printable character, as UTF-8.
std::string ByteLevelEncode(std::string_view piece);

// Splits valid UTF-8 into its characters (each a UTF-8 string_view into `text`).
std::vector<std::string_view> Utf8Chars(std::string_view text);

}  // namespace semdex::hf_text

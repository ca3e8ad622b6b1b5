#include "embed/model_file.h"

#include <fstream>
#include <sstream>

namespace semdex {

Status ReadModelFile(const std::string& path, std::string_view what, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + std::string(what) + " " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + std::string(what) + " " + path);
  *out = std::move(text).str();
  return Status::Ok();
}

Status ParseModelJson(std::string_view text, const std::string& origin, nlohmann::json* out) {
  try {
    *out = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return Status::ParseError(origin + ": not valid JSON (" + e.what() + ")");
  }
  return Status::Ok();
}

}  // namespace semdex

// model_file: reading a model's files whole and parsing its JSON, with errors that name the file.
// Internal to src/embed/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "util/util.h"

namespace semdex {

// Reads all of `path` into *out. NotFound if it cannot be opened; `what` says what the file is
// ("model manifest", "vocabulary") in the message.
Status ReadModelFile(const std::string& path, std::string_view what, std::string* out);

// Parses `text` (the contents of `origin`) as JSON; a ParseError naming `origin` and the position.
Status ParseModelJson(std::string_view text, const std::string& origin, nlohmann::json* out);

}  // namespace semdex

// The globals of the languages the graph reads: a call to one of them (not shadowed by a local,
// a symbol or an import) is unresolved with reason "global".
#include <unordered_set>

#include "graph/graph_internal.h"

namespace semdex::graph_internal {
namespace {

constexpr std::string_view kScriptGlobals =
    "console Math JSON Object Array String Number Boolean Symbol BigInt Promise Reflect Proxy "
    "Date RegExp Error TypeError RangeError SyntaxError ReferenceError EvalError URIError "
    "AggregateError Map Set WeakMap WeakSet WeakRef FinalizationRegistry parseInt parseFloat "
    "isNaN isFinite setTimeout setInterval clearTimeout clearInterval setImmediate "
    "clearImmediate queueMicrotask requestAnimationFrame cancelAnimationFrame "
    "requestIdleCallback structuredClone fetch require module exports process Buffer globalThis "
    "window document navigator location self Intl encodeURIComponent decodeURIComponent "
    "encodeURI decodeURI escape unescape atob btoa ArrayBuffer SharedArrayBuffer DataView "
    "Uint8Array Uint8ClampedArray Int8Array Uint16Array Int16Array Uint32Array Int32Array "
    "Float32Array Float64Array BigInt64Array BigUint64Array Atomics URL URLSearchParams "
    "TextEncoder TextDecoder Worker Image performance alert confirm prompt eval Function "
    "AbortController Blob File FileReader XMLHttpRequest WebSocket Event CustomEvent "
    "EventTarget MutationObserver ResizeObserver IntersectionObserver OffscreenCanvas "
    "ImageData ImageBitmap createImageBitmap Headers Request Response FormData DOMParser "
    "import describe it test expect beforeEach afterEach beforeAll afterAll jest vi";

constexpr std::string_view kPythonGlobals =
    "print len range isinstance issubclass str int float bool list dict set frozenset tuple "
    "bytes bytearray open getattr setattr hasattr delattr sorted reversed enumerate zip map "
    "filter min max sum any all type repr iter next abs round format id hash vars dir callable "
    "property staticmethod classmethod object super Exception BaseException ValueError "
    "TypeError KeyError IndexError AttributeError RuntimeError NotImplementedError "
    "StopIteration OSError IOError AssertionError ImportError LookupError ZeroDivisionError "
    "divmod pow chr ord hex oct bin input globals locals exec eval compile memoryview slice "
    "complex ascii breakpoint aiter anext";

std::unordered_set<std::string_view> Words(std::string_view text) {
  std::unordered_set<std::string_view> out;
  while (!text.empty()) {
    size_t space = text.find(' ');
    out.insert(text.substr(0, space));
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  }
  return out;
}

}  // namespace

bool IsGlobalName(std::string_view name, bool python) {
  static const std::unordered_set<std::string_view> script = Words(kScriptGlobals);
  static const std::unordered_set<std::string_view> py = Words(kPythonGlobals);
  return python ? py.count(name) != 0 : script.count(name) != 0;
}

}  // namespace semdex::graph_internal

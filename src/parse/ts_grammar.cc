// TsGrammar: a TypeScript / JavaScript grammar's symbols and fields, resolved to TsType and
// TsField once so that per-node code compares ids instead of names.
#include <utility>

#include "parse/parse_internal.h"

namespace semdex::parse_internal {

namespace {

constexpr std::pair<std::string_view, TsType> kTypeNames[] = {
    {"abstract_class_declaration", TsType::kAbstractClassDeclaration},
    {"ambient_declaration", TsType::kAmbientDeclaration},
    {"arrow_function", TsType::kArrowFunction},
    {"class", TsType::kClass},
    {"class_declaration", TsType::kClassDeclaration},
    {"export_statement", TsType::kExportStatement},
    {"function", TsType::kFunction},
    {"function_declaration", TsType::kFunctionDeclaration},
    {"function_expression", TsType::kFunctionExpression},
    {"generator_function", TsType::kGeneratorFunction},
    {"generator_function_declaration", TsType::kGeneratorFunctionDeclaration},
    {"interface_declaration", TsType::kInterfaceDeclaration},
    {"method_definition", TsType::kMethodDefinition},
    {"public_field_definition", TsType::kPublicFieldDefinition},
    {"type_alias_declaration", TsType::kTypeAliasDeclaration},
    {"variable_declarator", TsType::kVariableDeclarator},
    {"accessibility_modifier", TsType::kAccessibilityModifier},
    {"assignment_pattern", TsType::kAssignmentPattern},
    {"class_heritage", TsType::kClassHeritage},
    {"comment", TsType::kComment},
    {"decorator", TsType::kDecorator},
    {"extends_clause", TsType::kExtendsClause},
    {"extends_type_clause", TsType::kExtendsTypeClause},
    {"implements_clause", TsType::kImplementsClause},
    {"optional_parameter", TsType::kOptionalParameter},
    {"private_property_identifier", TsType::kPrivatePropertyIdentifier},
    {"required_parameter", TsType::kRequiredParameter},
    {"rest_pattern", TsType::kRestPattern},
    {"statement_block", TsType::kStatementBlock},
    {"type_arguments", TsType::kTypeArguments},
    {"identifier", TsType::kIdentifier},
    {"import", TsType::kImport},
    {"import_statement", TsType::kImportStatement},
    {"binary_expression", TsType::kBinaryExpression},
    {"call_expression", TsType::kCallExpression},
    {"catch_clause", TsType::kCatchClause},
    {"do_statement", TsType::kDoStatement},
    {"for_in_statement", TsType::kForInStatement},
    {"for_statement", TsType::kForStatement},
    {"if_statement", TsType::kIfStatement},
    {"new_expression", TsType::kNewExpression},
    {"switch_case", TsType::kSwitchCase},
    {"ternary_expression", TsType::kTernaryExpression},
    {"while_statement", TsType::kWhileStatement},
    {"&&", TsType::kLogicalAnd},
    {"||", TsType::kLogicalOr},
    {"??", TsType::kNullish},
    {"abstract", TsType::kAbstract},
    {"async", TsType::kAsync},
    {"get", TsType::kGet},
    {"set", TsType::kSet},
    {"*", TsType::kStar},
    {"static", TsType::kStatic},
};
static_assert(std::size(kTypeNames) + 1 == static_cast<size_t>(TsType::kCount),
              "every TsType but kOther has a name");

constexpr std::pair<TsField, const char*> kFieldNames[] = {
    {TsField::kBody, "body"},
    {TsField::kConstructor, "constructor"},
    {TsField::kDeclaration, "declaration"},
    {TsField::kFunction, "function"},
    {TsField::kLeft, "left"},
    {TsField::kName, "name"},
    {TsField::kOperator, "operator"},
    {TsField::kParameter, "parameter"},
    {TsField::kParameters, "parameters"},
    {TsField::kPattern, "pattern"},
    {TsField::kReturnType, "return_type"},
    {TsField::kRight, "right"},
    {TsField::kType, "type"},
    {TsField::kValue, "value"},
};
static_assert(std::size(kFieldNames) == static_cast<size_t>(TsField::kCount),
              "every TsField has a name");

}  // namespace

TsGrammar::TsGrammar(const TSLanguage* language) {
  // Every symbol with a listed name, named or anonymous: ts_node_symbol() gives a symbol whose
  // name is what ts_node_type() returns.
  types_.assign(ts_language_symbol_count(language), TsType::kOther);
  for (TSSymbol symbol = 0; symbol < types_.size(); ++symbol) {
    const char* name = ts_language_symbol_name(language, symbol);
    if (name == nullptr) continue;
    for (const auto& [type_name, type] : kTypeNames) {
      if (type_name == name) types_[symbol] = type;
    }
  }
  for (const auto& [field, name] : kFieldNames) {
    fields_[static_cast<size_t>(field)] =
        ts_language_field_id_for_name(language, name, static_cast<uint32_t>(strlen(name)));
  }
}

TSNode TsGrammar::ChildOfType(TSNode n, TsType type) const {
  TSNode found{};
  TSTreeCursor cursor = ts_tree_cursor_new(n);
  if (ts_tree_cursor_goto_first_child(&cursor)) {
    do {
      TSNode c = ts_tree_cursor_current_node(&cursor);
      if (ts_node_is_named(c) && TypeOf(c) == type) found = c;
    } while (ts_node_is_null(found) && ts_tree_cursor_goto_next_sibling(&cursor));
  }
  ts_tree_cursor_delete(&cursor);
  return found;
}

TsTypeSet TsGrammar::TokenTypes(TSNode n) const {
  TsTypeSet types;
  TSTreeCursor cursor = ts_tree_cursor_new(n);
  if (ts_tree_cursor_goto_first_child(&cursor)) {
    do {
      TSNode c = ts_tree_cursor_current_node(&cursor);
      if (!ts_node_is_named(c)) types.Add(TypeOf(c));
    } while (ts_tree_cursor_goto_next_sibling(&cursor));
  }
  ts_tree_cursor_delete(&cursor);
  return types;
}

}  // namespace semdex::parse_internal

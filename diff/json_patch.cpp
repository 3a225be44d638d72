#include "diff/json_patch.hpp"

#include <algorithm>

#include <boost/json/object.hpp>

namespace memoryd::diff {

namespace json = boost::json;

namespace {

void append_op(json::array& ops, std::string_view op, const std::string& path,
               const json::value* value = nullptr) {
  json::object o;
  o["op"] = op;
  o["path"] = path;
  if (value != nullptr)
    o["value"] = *value;
  ops.emplace_back(std::move(o));
}

void diff_value(json::array& ops, const std::string& path,
                const json::value& from, const json::value& to);

void diff_object(json::array& ops, const std::string& path,
                 const json::object& from, const json::object& to) {
  for (const auto& [key, value] : from)
    if (!to.contains(key))
      append_op(ops, "remove", path + "/" + pointer_token(key));
  for (const auto& [key, value] : to) {
    auto child = path + "/" + pointer_token(key);
    if (const auto* old = from.if_contains(key))
      diff_value(ops, child, *old, value);
    else
      append_op(ops, "add", child, &value);
  }
}

void diff_array(json::array& ops, const std::string& path,
                const json::array& from, const json::array& to) {
  std::size_t head = 0;
  while (head < from.size() && head < to.size() && from[head] == to[head])
    ++head;
  std::size_t tail = 0;
  while (tail < from.size() - head && tail < to.size() - head
         && from[from.size() - 1 - tail] == to[to.size() - 1 - tail])
    ++tail;
  const auto old_middle = from.size() - head - tail;
  const auto new_middle = to.size() - head - tail;
  const auto paired = std::min(old_middle, new_middle);
  auto at = [&](std::size_t i) { return path + "/" + std::to_string(i); };
  for (std::size_t i = head; i < head + paired; ++i)
    diff_value(ops, at(i), from[i], to[i]);
  // Each removal shifts what follows: the same index, again and again.
  for (auto i = paired; i < old_middle; ++i)
    append_op(ops, "remove", at(head + paired));
  for (auto i = paired; i < new_middle; ++i)
    append_op(ops, "add", at(head + i), &to[head + i]);
}

void diff_value(json::array& ops, const std::string& path,
                const json::value& from, const json::value& to) {
  if (from == to)
    return;
  if (from.is_object() && to.is_object())
    return diff_object(ops, path, from.get_object(), to.get_object());
  if (from.is_array() && to.is_array())
    return diff_array(ops, path, from.get_array(), to.get_array());
  append_op(ops, "replace", path, &to);
}

} // namespace

std::string pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

json::array json_patch(const json::value& from, const json::value& to) {
  json::array ops;
  diff_value(ops, "", from, to);
  return ops;
}

} // namespace memoryd::diff

/* JSON text helpers shared by the Helix fake and its EventSub stand-in. */
#pragma once

#include <string>

namespace twitch_test
{

/* @s as a JSON string literal, quotes included (control characters
 * escaped). */
std::string json_quote (const std::string &s);

} // namespace twitch_test

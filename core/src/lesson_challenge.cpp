// SPDX-License-Identifier: GPL-3.0-or-later
// The `challenges:` list of a lesson file: YAML -> Challenge, every error at its FILE:LINE:COL.
#include "lesson_challenge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace tlblab {

namespace {

// A function's static, made on first use (a namespace-scope vector's construction could throw
// before main: clang-tidy cert-err58-cpp).
const std::vector<std::string>& challengeKeys() {
    static const std::vector<std::string> keys = {"id",      "title",   "kind",    "goal",    "answer",   "debrief",
                                                  "allowed", "prevent", "variant", "explore", "max_depth"};
    return keys;
}

// Every keyword of the operation language, in OpCode order.
std::vector<std::string> opKeywords() {
    std::vector<std::string> v;
    for (int c = 0; c <= static_cast<int>(OpCode::CpuDown); ++c) v.emplace_back(opKeyword(static_cast<OpCode>(c)));
    return v;
}

std::string hint(const std::string& word, const std::vector<std::string>& candidates) {
    const std::string s = suggest(word, candidates);
    return s.empty() ? std::string() : fmt::format("; did you mean '{}'?", s);
}

bool isId(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
    });
}

class ChallengeParser {
public:
    ChallengeParser(Lesson& lesson, const ChallengeReaders& read) : m_lesson(lesson), m_read(read) {}

    [[noreturn]] void fail(const YAML::Node& n, const std::string& msg) const { throw OpError(m_read.at(n), msg); }

    Challenge parse(const YAML::Node& n) const {
        if (!n.IsMap()) fail(n, "a challenge must be a mapping of keys to values");
        std::map<std::string, YAML::Node> keys;
        for (auto it = n.begin(); it != n.end(); ++it) {
            const std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
            if (std::find(challengeKeys().begin(), challengeKeys().end(), k) == challengeKeys().end())
                fail(it->first, fmt::format("unknown key '{}' in a challenge{}", k, hint(k, challengeKeys())));
            if (!keys.emplace(k, it->second).second) fail(it->first, fmt::format("key '{}' appears twice in a challenge", k));
        }
        auto need = [&](const char* k) -> const YAML::Node& {
            auto it = keys.find(k);
            if (it == keys.end()) fail(n, fmt::format("a challenge needs a '{}' key", k));
            return it->second;
        };
        auto has = [&](const char* k) { return keys.count(k) > 0; };

        Challenge c;
        c.loc = m_read.at(n);
        const YAML::Node& idNode = need("id");
        c.id = m_read.text(idNode, "a challenge's id");
        if (!isId(c.id)) fail(idNode, "a challenge's id may hold only letters, digits, '-', '_' and '.'");
        for (const Challenge& other : m_lesson.challenges)
            if (other.id == c.id) fail(idNode, fmt::format("challenge '{}' is defined twice", c.id));
        c.title = m_read.text(need("title"), "a challenge's title");
        const YAML::Node& kindNode = need("kind");
        const std::string kind = m_read.text(kindNode, "kind");
        const std::vector<std::string> kinds = {"build", "fix", "count"};
        if (kind == "build") c.kind = ChallengeKind::Build;
        else if (kind == "fix") c.kind = ChallengeKind::Fix;
        else if (kind == "count") c.kind = ChallengeKind::Count;
        else fail(kindNode, fmt::format("unknown challenge kind '{}' (build|fix|count){}", kind, hint(kind, kinds)));
        c.goal = m_read.text(need("goal"), "a challenge's goal");
        if (has("answer")) c.answerTemplate = m_read.text(keys["answer"], "answer (the template the editor starts with)");
        if (has("debrief")) c.debrief = m_read.text(keys["debrief"], "debrief");

        const bool search = c.kind != ChallengeKind::Build;
        auto onlyFor = [&](const char* k, bool ok, const char* owners) {
            if (has(k) && !ok) fail(keys[k], fmt::format("'{}' belongs to {} challenges, not to a {} one", k, owners, kind));
        };
        onlyFor("prevent", c.kind == ChallengeKind::Build, "build");
        onlyFor("allowed", c.kind != ChallengeKind::Count, "build and fix");
        onlyFor("variant", search, "fix and count");
        onlyFor("explore", search, "fix and count");
        onlyFor("max_depth", search, "fix and count");

        if (c.kind != ChallengeKind::Count) c.allowed = opList(need("allowed"), "allowed");
        if (has("prevent")) c.prevent = opList(keys["prevent"], "prevent");
        if (has("variant")) {
            c.variant = m_read.text(keys["variant"], "variant");
            if (!m_lesson.variant(c.variant))
                fail(keys["variant"], fmt::format("unknown variant '{}'{}", c.variant, hint(c.variant, m_lesson.variantNames())));
        }
        if (has("max_depth")) {
            const std::string s = m_read.text(keys["max_depth"], "max_depth");
            u64 v = 0;
            if (!parseNumber(s, v) || v < 1 || v > 1000)
                fail(keys["max_depth"], fmt::format("max_depth must be a whole number from 1 to 1000, got '{}'", s));
            c.maxDepth = static_cast<int>(v);
        }
        if (has("explore")) c.explore = std::make_shared<const ExploreSpec>(m_read.explore(keys["explore"]));
        if (search && !c.explore && !m_lesson.explore)
            fail(kindNode, fmt::format("a {} challenge searches an explore problem: give it an 'explore:' key or give "
                                       "the lesson an explore: section",
                                       kind));
        return c;
    }

private:
    std::vector<OpCode> opList(const YAML::Node& n, const std::string& what) const {
        std::vector<YAML::Node> items;
        if (n.IsSequence())
            for (const auto& x : n) items.push_back(x);
        else
            items.push_back(n);
        if (items.empty()) fail(n, fmt::format("{} must list at least one operation", what));
        const std::vector<std::string> words = opKeywords();
        std::vector<OpCode> out;
        for (const auto& x : items) {
            const std::string w = m_read.text(x, fmt::format("an operation in {}", what));
            const auto it = std::find(words.begin(), words.end(), w);
            if (it == words.end()) fail(x, fmt::format("unknown operation '{}' in {}{}", w, what, hint(w, words)));
            const auto code = static_cast<OpCode>(it - words.begin());
            if (std::find(out.begin(), out.end(), code) != out.end())
                fail(x, fmt::format("'{}' is listed twice in {}", w, what));
            out.push_back(code);
        }
        return out;
    }

    Lesson& m_lesson;
    const ChallengeReaders& m_read;
};

}  // namespace

void loadChallenges(const YAML::Node& list, Lesson& lesson, const ChallengeReaders& read) {
    ChallengeParser p(lesson, read);
    if (!list.IsSequence() || list.size() == 0) p.fail(list, "challenges must be a non-empty list");
    for (const auto& n : list) lesson.challenges.push_back(p.parse(n));
}

}  // namespace tlblab

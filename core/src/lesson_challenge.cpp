// SPDX-License-Identifier: GPL-3.0-or-later
// The `challenges:` list of a lesson file: YAML -> Challenge, every error at its FILE:LINE:COL.
#include "lesson_challenge.hpp"

#include <fmt/format.h>

#include <algorithm>
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

class ChallengeParser {
public:
    ChallengeParser(Lesson& lesson, const ChallengeReaders& read) : m_lesson(lesson), m_read(read) {}

    [[noreturn]] void fail(const YAML::Node& n, const std::string& msg) const { throw OpError(m_read.at(n), msg); }

    Challenge parse(const YAML::Node& n) const {
        const Keys keys = keysOf(n);
        Challenge c;
        c.loc = m_read.at(n);
        const YAML::Node& idNode = need(keys, n, "id");
        c.id = m_read.text(idNode, "a challenge's id");
        if (!isIdentifier(c.id)) fail(idNode, "a challenge's id may hold only letters, digits, '-', '_' and '.'");
        for (const Challenge& other : m_lesson.challenges)
            if (other.id == c.id) fail(idNode, fmt::format("challenge '{}' is defined twice", c.id));
        c.title = m_read.text(need(keys, n, "title"), "a challenge's title");
        const YAML::Node& kindNode = need(keys, n, "kind");
        const std::string kind = m_read.text(kindNode, "kind");
        c.kind = kindNamed(kindNode, kind);
        c.goal = m_read.text(need(keys, n, "goal"), "a challenge's goal");
        if (auto x = get(keys, "answer")) c.answerTemplate = m_read.text(*x, "answer (the template the editor starts with)");
        if (auto x = get(keys, "debrief")) c.debrief = m_read.text(*x, "debrief");
        checkOwners(keys, c.kind, kind);
        if (c.kind != ChallengeKind::Count) c.allowed = opList(need(keys, n, "allowed"), "allowed");
        if (auto x = get(keys, "prevent")) c.prevent = opList(*x, "prevent");
        readSearch(keys, c);
        if (c.kind != ChallengeKind::Build && !c.explore && !m_lesson.explore)
            fail(kindNode, fmt::format("a {} challenge searches an explore problem: give it an 'explore:' key or give "
                                       "the lesson an explore: section",
                                       kind));
        return c;
    }

private:
    using Keys = std::map<std::string, YAML::Node>;

    // A challenge's keys: each a known one, none twice.
    Keys keysOf(const YAML::Node& n) const {
        if (!n.IsMap()) fail(n, "a challenge must be a mapping of keys to values");
        Keys keys;
        for (auto it = n.begin(); it != n.end(); ++it) {
            const std::string k = it->first.IsScalar() ? it->first.Scalar() : std::string();
            if (std::find(challengeKeys().begin(), challengeKeys().end(), k) == challengeKeys().end())
                fail(it->first, fmt::format("unknown key '{}' in a challenge{}", k, didYouMean(k, challengeKeys())));
            if (!keys.emplace(k, it->second).second) fail(it->first, fmt::format("key '{}' appears twice in a challenge", k));
        }
        return keys;
    }
    static const YAML::Node* get(const Keys& keys, const char* k) {
        const auto it = keys.find(k);
        return it == keys.end() ? nullptr : &it->second;
    }
    const YAML::Node& need(const Keys& keys, const YAML::Node& n, const char* k) const {
        const YAML::Node* x = get(keys, k);
        if (!x) fail(n, fmt::format("a challenge needs a '{}' key", k));
        return *x;
    }

    ChallengeKind kindNamed(const YAML::Node& n, const std::string& kind) const {
        if (kind == "build") return ChallengeKind::Build;
        if (kind == "fix") return ChallengeKind::Fix;
        if (kind == "count") return ChallengeKind::Count;
        fail(n, fmt::format("unknown challenge kind '{}' (build|fix|count){}", kind, didYouMean(kind, {"build", "fix", "count"})));
    }

    // Keys that belong to some kinds only.
    void checkOwners(const Keys& keys, ChallengeKind k, const std::string& kind) const {
        const bool search = k != ChallengeKind::Build;
        auto onlyFor = [&](const char* key, bool ok, const char* owners) {
            if (auto x = get(keys, key); x && !ok)
                fail(*x, fmt::format("'{}' belongs to {} challenges, not to a {} one", key, owners, kind));
        };
        onlyFor("prevent", k == ChallengeKind::Build, "build");
        onlyFor("allowed", k != ChallengeKind::Count, "build and fix");
        onlyFor("variant", search, "fix and count");
        onlyFor("explore", search, "fix and count");
        onlyFor("max_depth", search, "fix and count");
    }

    // What a fix or count challenge searches: variant, max_depth and its own explore: section.
    void readSearch(const Keys& keys, Challenge& c) const {
        if (auto x = get(keys, "variant")) {
            c.variant = m_read.text(*x, "variant");
            if (!m_lesson.variant(c.variant))
                fail(*x, fmt::format("unknown variant '{}'{}", c.variant, didYouMean(c.variant, m_lesson.variantNames())));
        }
        if (auto x = get(keys, "max_depth")) {
            const std::string s = m_read.text(*x, "max_depth");
            u64 v = 0;
            if (!parseNumber(s, v) || v < 1 || v > 1000)
                fail(*x, fmt::format("max_depth must be a whole number from 1 to 1000, got '{}'", s));
            c.maxDepth = static_cast<int>(v);
        }
        if (auto x = get(keys, "explore")) c.explore = std::make_shared<const ExploreSpec>(m_read.explore(*x));
    }

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
            if (it == words.end()) fail(x, fmt::format("unknown operation '{}' in {}{}", w, what, didYouMean(w, words)));
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

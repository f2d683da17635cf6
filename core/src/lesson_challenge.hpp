// SPDX-License-Identifier: GPL-3.0-or-later
// The `challenges:` section of a lesson file (issue 14), parsed with the lesson loader's own readers
// so that positions, the text budget and the explore: grammar are the loader's.
#pragma once

#include "tlblab/lesson.hpp"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

namespace tlblab {

struct ChallengeReaders {
    std::function<SourceLoc(const YAML::Node&)> at;                          // a node's FILE:LINE:COL
    std::function<std::string(const YAML::Node&, const std::string&)> text;  // non-empty text
    std::function<ExploreSpec(const YAML::Node&)> explore;  // the explore: grammar
};

// The loader's word rules (lesson_load.cpp), for the challenges: section too.
std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates);  // "; did you mean 'x'?" or ""
bool isIdentifier(const std::string& s);  // letters, digits, '-', '_' and '.'; not empty

// Reads the list into lesson.challenges; throws OpError at the offending text. Call after the
// lesson's variants, steps and explore: section are loaded.
void loadChallenges(const YAML::Node& list, Lesson& lesson, const ChallengeReaders& read);

}  // namespace tlblab

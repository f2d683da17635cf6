// SPDX-License-Identifier: GPL-3.0-or-later
// Exports of a sequence of steps: the document model shared by every format, the Qt-free
// formats (TikZ, the self-contained HTML slideshow); files are written by writeFileAtomic.
#pragma once

#include "tlblab/atomic_file.hpp"  // writeFileAtomic, the writer of every export
#include "tlblab/diagram.hpp"
#include "tlblab/ops.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tlblab {

class LessonRun;
struct Highlight;

struct ExportStep {
    std::size_t number = 0;  // 1-based step number in its lesson or script
    std::string title;
    std::string narration;   // plain text; paragraphs separated by blank lines
    std::string question;    // classroom question, "" if none
    std::string answer;      // its answer, "" if none
    Scene scene;
};

// Whether an export shows the questions' answers: the format's default (the HTML slideshow folds
// them under "Answer", the handout leaves them out), none (a student version) or included (the
// lecturer's version).
enum class ExportAnswers : std::uint8_t { FormatDefault, None, Include };
bool parseExportAnswers(const std::string& name, ExportAnswers& out);  // "none" | "include"

struct ExportDocument {
    std::string title;     // lesson title or script name
    std::string subtitle;  // "variant buggy", source file
    std::vector<ExportStep> steps;
    ExportAnswers answers = ExportAnswers::FormatDefault;

    // Whether a format whose default is `formatDefault` shows the answers of this document.
    bool showAnswers(bool formatDefault) const {
        return answers == ExportAnswers::FormatDefault ? formatDefault : answers == ExportAnswers::Include;
    }
};

// "A-B", "A", "A-" (to the end) or "" (everything), 1-based, inclusive. Throws std::invalid_argument
// with a message on a malformed or empty range; clamps nothing (B beyond `count` is an error).
void parseStepRange(const std::string& text, std::size_t count, std::size_t& first, std::size_t& last);

// A document from an operation-language script: one step per operation, the narration being the
// operation and its events in hardware terms. Throws OpError as the script's execution does.
ExportDocument documentFromScript(const std::vector<Op>& ops, const std::string& name, std::size_t first,
                                  std::size_t last, const SceneOptions& base = {});

// A document from a played lesson: steps `first`..`last` (1-based among the played steps), each
// with its narration under the run's variant, its question and its highlights.
ExportDocument documentFromLesson(LessonRun& run, std::size_t first, std::size_t last, const SceneOptions& base = {});

// Adds a lesson step's highlights to scene options (CPUs, registers, table entries by the
// address the walk of `va` reads at their level, TLB entries covering `va`), on machine `m`.
void addHighlights(const Machine& m, const std::vector<Highlight>& hs, SceneOptions& o);

// One tikzpicture per step, each preceded by a comment naming the step.
std::string documentToTikz(const ExportDocument& doc, Theme theme);
// One HTML file: every step's diagram as inline SVG, narration beside it, arrow keys to step.
// No external resource and no script from elsewhere; all lesson text is escaped.
std::string documentToHtml(const ExportDocument& doc, Theme theme);

}  // namespace tlblab

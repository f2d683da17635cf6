// SPDX-License-Identifier: GPL-3.0-or-later
// Hostile exports (issue 15): lesson text never becomes TeX or HTML code, and every export goes
// through one writer that never writes through a link, never replaces a device, a FIFO or a
// folder, never leaves a half-written file, and cannot be steered by a file planted in advance.
#include "hostile_helpers.hpp"

#include "tlblab/atomic_file.hpp"
#include "tlblab/export.hpp"
#include "tlblab/lesson.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace tlblab;

namespace {

// A lesson whose every string field carries markup, TeX and a line break (YAML escapes decode
// them; control characters other than tab and line feed are refused by the loader).
const char* kHostileLesson = R"(title: "T </title><script>alert(1)</script><title> \\input{/etc/passwd}\n\\immediate\\write18{rm -rf ~}% $x$ & #1 _ ^ ~"
summary: "S <script>alert(2)</script>"
variants:
  - name: v1
    description: "D <script>alert(3)</script>\n\\input{/etc/shadow}"
setup: |
  table "</title><script>alert(4)</script><title>"
  map "</title><script>alert(4)</script><title>" 0x1000 0x5000 4K 4K
  kernel_boot
  task "\input{x}{}%#$&_^~"
steps:
  - title: "Step </h2><script>alert(5)</script>\n\\input{/etc/passwd}\n\\def\\x{y}"
    ops: |
      cpu0 load_cr3 "</title><script>alert(4)</script><title>"
      cpu0 access 0x1000 read kernel
    narration: "N </p><script>alert(6)</script>\n\n\\input{/etc/passwd} `</code><script>alert(7)</script>` *</em><img src=x onerror=alert(8)>*"
    question:
      prompt: "Q <iframe src=javascript:alert(9)>\n\\input{q}"
      choices: ["<svg onload=alert(10)>", "]]><script>alert(11)</script>", "\\catcode`\\^^M=12"]
      answer: 2
      explanation: "E <script>alert(12)</script>"
)";

std::string tempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "tlblab-hostile-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    return t;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void spit(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::set<std::string> entries(const std::string& dir) {
    std::set<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (const dirent* e = ::readdir(d))
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) out.insert(e->d_name);
        ::closedir(d);
    }
    return out;
}

using test::FileSizeLimit;

ExportDocument hostileDocument(std::unique_ptr<Lesson>& lesson, std::unique_ptr<LessonRun>& run) {
    lesson = std::make_unique<Lesson>(parseLesson(kHostileLesson, "hostile.yaml"));
    run = std::make_unique<LessonRun>(*lesson, "v1");
    return documentFromLesson(*run, 1, run->steps().size());
}

// Every TeX control sequence of the hostile lesson that must never reach the .tex as code.
const char* const kTexCode[] = {"\\input{", "\\immediate", "\\write18", "\\def\\x", "\\catcode", "^^M"};

}  // namespace

TEST_CASE("TikZ: lesson text with line breaks and TeX stays text, in comments too", "[hostile][export][tikz]") {
    std::unique_ptr<Lesson> lesson;
    std::unique_ptr<LessonRun> run;
    const ExportDocument doc = hostileDocument(lesson, run);
    const std::string tikz = documentToTikz(doc, Theme::Print);
    // Before: the title's line break ended the % comment, so \input{/etc/passwd} and
    // \immediate\write18 stood on lines of their own. Outside comments no control sequence of
    // the lesson's survives; in the document's own comments (the header, one per step) neither.
    std::istringstream lines(tikz);
    for (std::string line; std::getline(lines, line);) {
        INFO(line);
        const bool documentComment = line.rfind("% ---- ", 0) == 0 || line.find("-- exported by TLB Lab") != std::string::npos;
        if (line.empty() || line[0] != '%' || documentComment)
            for (const char* code : kTexCode) CHECK(line.find(code) == std::string::npos);
        // Every line is a comment, TikZ of our own (\begin, \end, \definecolor, \path, \node,
        // \draw, \fill) or blank; no control character.
        const bool ours = line.empty() || line[0] == '%' || line.rfind("\\begin{tikzpicture}", 0) == 0 ||
                          line.rfind("\\end{tikzpicture}", 0) == 0 || line.rfind("\\definecolor{", 0) == 0 ||
                          line.rfind("\\path[", 0) == 0 || line.rfind("\\node[", 0) == 0 ||
                          line.rfind("\\draw[", 0) == 0 || line.rfind("\\fill[", 0) == 0;
        CHECK(ours);
        CHECK(findNonText(line) == std::string::npos);
    }
    // The text is there, escaped.
    CHECK(tikz.find("\\textbackslash{}input\\{/etc/passwd\\}") != std::string::npos);
    CHECK(tikz.find("\\textbackslash{}input\\{x\\}\\{\\}\\%\\#\\$\\&\\_\\^{}\\~{}") != std::string::npos);
}

TEST_CASE("TikZ of one scene: its title and item ids are escaped in its comments too", "[hostile][export][tikz]") {
    // sceneToTikz (diagram_render.cpp) on its own, as the view's callers use it: the title goes
    // into a % comment (a line break in it ends the comment) and so do item ids, which hold table
    // and task names.
    Scene s;
    s.width = 100;
    s.height = 50;
    s.title = "x\n\\input{/etc/passwd}\r\\immediate\\write18{id}";
    SceneItem it;
    it.kind = ItemKind::Text;
    it.id = "table:\\input{x}";
    it.role = Role::CardText;
    it.cells = {"\\def\\x{y}"};
    it.w = 10;
    it.h = 10;
    s.items.push_back(it);
    const std::string tikz = sceneToTikz(s, Theme::Print);
    for (const char* code : kTexCode) {
        INFO(code);
        CHECK(tikz.find(code) == std::string::npos);
    }
}

TEST_CASE("HTML slideshow: every lesson string is text, the only script is the slideshow's own", "[hostile][export][html]") {
    std::unique_ptr<Lesson> lesson;
    std::unique_ptr<LessonRun> run;
    const ExportDocument doc = hostileDocument(lesson, run);
    const std::string html = documentToHtml(doc, Theme::Light);
    // Tags: only the ones the slideshow and its inline SVG are made of.
    const std::set<std::string> allowed = {"!DOCTYPE", "html", "head", "meta", "title", "style", "body", "header",
                                           "strong", "small", "section", "div", "svg", "g", "rect", "text", "line",
                                           "path", "polygon", "polyline", "tspan", "aside", "h2", "p", "em",
                                           "code", "ul", "li", "details", "summary", "nav", "span", "script",
                                           "defs", "marker", "circle", "br"};
    // Our own script comes last; before it every '<' opens a tag of ours, with no event handler
    // and no URL (lesson text is all escaped, so none of its '<' survives).
    const std::size_t script = html.rfind("<script>");
    REQUIRE(script != std::string::npos);
    CHECK(html.find("<script") == script);
    for (std::size_t p = html.find('<'); p < script; p = html.find('<', p + 1)) {
        std::size_t q = p + 1;
        if (q < html.size() && html[q] == '/') ++q;
        std::size_t e = q;
        while (e < html.size() && (std::isalnum(static_cast<unsigned char>(html[e])) || html[e] == '!')) ++e;
        const std::string tag = html.substr(p, html.find('>', p) - p);
        INFO(tag);
        CHECK(allowed.count(html.substr(q, e - q)) == 1);
        CHECK(tag.find(" on") == std::string::npos);
        CHECK(tag.find("javascript") == std::string::npos);
        CHECK(tag.find("href") == std::string::npos);
    }
    CHECK(html.find("<script>alert") == std::string::npos);
    CHECK(html.find("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;title&gt;") != std::string::npos);
}

TEST_CASE("the writer replaces a regular file whole and keeps its permissions", "[hostile][writer]") {
    const std::string dir = tempDir();
    const std::string out = dir + "/a.tex";
    writeFileAtomic(out, "first");
    CHECK(slurp(out) == "first");
    const mode_t mask = ::umask(022);
    ::umask(mask);
    struct stat st {};
    REQUIRE(::stat(out.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == (0666 & ~mask));
    ::chmod(out.c_str(), 0640);
    writeFileAtomic(out, std::string(200000, 'x'));
    CHECK(slurp(out) == std::string(200000, 'x'));
    REQUIRE(::stat(out.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    CHECK(entries(dir) == std::set<std::string>{"a.tex"});  // no temporary file left
    std::filesystem::remove_all(dir);
}

TEST_CASE("the writer refuses a symlink at the target: nothing written through it, the link kept", "[hostile][writer]") {
    const std::string dir = tempDir();
    const std::string victim = dir + "/victim";
    spit(victim, "precious");
    const std::string out = dir + "/out.html";
    REQUIRE(::symlink(victim.c_str(), out.c_str()) == 0);
    CHECK_THROWS_WITH(writeFileAtomic(out, "<html>"), Catch::Contains("cannot write " + out) &&
                                                          Catch::Contains("symbolic link"));
    CHECK(slurp(victim) == "precious");
    struct stat st {};
    REQUIRE(::lstat(out.c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
    // A dangling link: no file appears where it points.
    const std::string dangling = dir + "/dangling.svg";
    REQUIRE(::symlink((dir + "/nowhere").c_str(), dangling.c_str()) == 0);
    CHECK_THROWS_AS(writeFileAtomic(dangling, "x"), FileWriteError);
    CHECK_FALSE(std::filesystem::exists(dir + "/nowhere"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("the writer refuses a target that is a device, a FIFO or a folder, before creating anything", "[hostile][writer]") {
    CHECK_THROWS_WITH(writeFileAtomic("/dev/null", "x"), Catch::Contains("cannot write /dev/null") &&
                                                             Catch::Contains("character device"));
    struct stat st {};
    REQUIRE(::stat("/dev/null", &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    const std::string dir = tempDir();
    const std::string fifo = dir + "/pipe";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_THROWS_WITH(writeFileAtomic(fifo, "x"), Catch::Contains("FIFO"));  // and does not block opening it
    const std::string sub = dir + "/sub";
    REQUIRE(::mkdir(sub.c_str(), 0700) == 0);
    CHECK_THROWS_WITH(writeFileAtomic(sub, "x"), Catch::Contains("directory"));
    CHECK_THROWS_WITH(writeFileAtomic(dir + "/new/", "x"), Catch::Contains("directory"));
    CHECK_THROWS_WITH(writeFileAtomic(dir + "/no/such/folder/x.tex", "x"), Catch::Contains("cannot write"));
    CHECK_THROWS_WITH(writeFileAtomic("", "x"), Catch::Contains("no output path"));
    CHECK(entries(dir) == std::set<std::string>{"pipe", "sub"});
    std::filesystem::remove_all(dir);
}

TEST_CASE("a link planted at a predictable temporary name does not redirect the write", "[hostile][writer]") {
    const std::string dir = tempDir();
    const std::string victim = dir + "/victim";
    spit(victim, "precious");
    const std::string out = dir + "/slides.html";
    // The names the old writers used: OUT.tmp-PID (export) and OUT.tmp (explore traces).
    for (const std::string& planted : {out + ".tmp-" + std::to_string(::getpid()), out + ".tmp"})
        REQUIRE(::symlink(victim.c_str(), planted.c_str()) == 0);
    writeFileAtomic(out, "slides");
    CHECK(slurp(out) == "slides");
    CHECK(slurp(victim) == "precious");
    std::filesystem::remove_all(dir);
}

TEST_CASE("TikZ and HTML on a full disk: the error is reported, the old file is intact, no temporary left", "[hostile][writer]") {
    std::unique_ptr<Lesson> lesson;
    std::unique_ptr<LessonRun> run;
    const ExportDocument doc = hostileDocument(lesson, run);
    const std::string dir = tempDir();
    for (const std::string name : {"fig.tex", "slides.html"}) {
        const std::string out = dir + "/" + name;
        const std::string data = name == "fig.tex" ? documentToTikz(doc, Theme::Print) : documentToHtml(doc, Theme::Light);
        REQUIRE(data.size() > 8192);
        spit(out, "old");
        {
            FileSizeLimit limit(4096);  // a short write after 4 KiB, then EFBIG
            CHECK_THROWS_WITH(writeFileAtomic(out, data), Catch::Contains("cannot write " + out) &&
                                                              Catch::Contains("too large"));
        }
        CHECK(slurp(out) == "old");
        writeFileAtomic(out, data);  // and without the limit it works
        CHECK(slurp(out) == data);
    }
    CHECK(entries(dir) == std::set<std::string>{"fig.tex", "slides.html"});
    std::filesystem::remove_all(dir);
}

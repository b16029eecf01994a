// The layering of docs/architecture.md, checked against the tree: every
// `#include "..."` in src/ and include/ and every nasrank_* library a module
// links in src/<module>/CMakeLists.txt must be an edge the table "Who may
// include whom" allows. The table is parsed from the doc, so the doc stays the
// one place the rule is written.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = NASRANK_SOURCE_DIR;

using Rules = std::map<std::string, std::set<std::string>>;  // module -> modules it may include

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The rows of the table under the heading "## Who may include whom":
// | `module` | `dep` `dep` ... |
Rules parse_rules(const std::string& markdown) {
  Rules rules;
  bool in_section = false;
  const std::regex row(R"(^\|\s*`([a-z_]+)`\s*\|([^|]*)\|\s*$)");
  const std::regex name("`([a-z_]+)`");
  for (const std::string& line : lines_of(markdown)) {
    if (line.rfind("## ", 0) == 0) {
      in_section = line == "## Who may include whom";
      continue;
    }
    std::smatch m;
    if (!in_section || !std::regex_match(line, m, row)) continue;
    std::set<std::string>& allowed = rules[m[1]];
    const std::string cell = m[2];
    for (std::sregex_iterator it(cell.begin(), cell.end(), name), end; it != end; ++it) allowed.insert((*it)[1]);
  }
  return rules;
}

// "src/store/import_csv.cpp" -> "store"; "include/nasrank/io/nats.h" -> "io".
std::string module_of(const fs::path& relative) {
  auto part = relative.begin();
  if (part == relative.end()) return {};
  if (*part == "include") {
    if (++part == relative.end() || *part != "nasrank") return {};
  } else if (*part != "src") {
    return {};
  }
  if (++part == relative.end()) return {};
  const fs::path folder = *part;
  if (++part == relative.end()) return {};  // a file directly in src/ belongs to no module
  return folder.string();
}

bool allows(const Rules& rules, const std::string& from, const std::string& to) {
  if (from == to) return true;
  const auto row = rules.find(from);
  return row != rules.end() && row->second.count(to) > 0;
}

// Violations in one source file, each as "file:line: reason".
std::vector<std::string> check_includes(const Rules& rules, const std::string& file, const std::string& module,
                                        const std::string& text) {
  std::vector<std::string> violations;
  const std::regex include(R"(^\s*#\s*include\s*\"([^\"]+)\")");
  const auto lines = lines_of(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (!std::regex_search(lines[i], m, include)) continue;
    const std::string target = m[1];
    const std::string where = file + ":" + std::to_string(i + 1) + ": ";
    const auto slash = target.find('/');
    if (slash == std::string::npos) continue;  // a header beside the file
    const std::string head = target.substr(0, slash);
    if (head == "nasrank") {
      const auto second = target.find('/', slash + 1);
      const std::string to =
          target.substr(slash + 1, second == std::string::npos ? std::string::npos : second - slash - 1);
      if (!rules.count(to))
        violations.push_back(where + "includes \"" + target + "\" of module '" + to +
                             "', which has no row in docs/architecture.md");
      else if (!allows(rules, module, to))
        violations.push_back(where + "module '" + module + "' includes \"" + target + "\", but docs/architecture.md " +
                             "does not allow " + module + " -> " + to);
    } else if (rules.count(head) && head != module) {
      violations.push_back(where + "module '" + module + "' includes \"" + target + "\", a private header of module '" +
                           head + "' (private headers stay inside their module)");
    }
  }
  return violations;
}

// A module's library names (nasrank_train_core belongs to train).
std::string module_of_target(const Rules& rules, const std::string& target) {
  std::string name = target.substr(std::string("nasrank_").size());
  if (name == "train_core") name = "train";
  return rules.count(name) ? name : std::string();
}

// Link edges of src/<module>/CMakeLists.txt: every nasrank_<module> library
// named in a nasrank_module(...) or target_link_libraries(...) call, after
// the call's first argument (the target being defined or linked).
std::vector<std::string> check_links(const Rules& rules, const std::string& file, const std::string& module,
                                     const std::string& text) {
  std::vector<std::string> violations;
  const std::regex call_start(R"(^\s*(nasrank_module|target_link_libraries)\s*\()");
  const std::regex token(R"([A-Za-z0-9_:$<>{}.-]+)");
  const auto lines = lines_of(text);
  bool in_call = false;
  bool first_argument = false;
  int depth = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i].substr(0, lines[i].find('#'));
    std::smatch m;
    if (!in_call && std::regex_search(line, m, call_start)) {
      in_call = true;
      first_argument = true;
      line = m.suffix();
      depth = 1;
    }
    if (!in_call) continue;
    std::string body;
    for (char c : line) {
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) break;
      body += c;
    }
    for (std::sregex_iterator it(body.begin(), body.end(), token), end; it != end; ++it) {
      const std::string word = (*it)[0];
      if (first_argument) {
        first_argument = false;
        continue;
      }
      if (word.rfind("nasrank_", 0) != 0) continue;
      const std::string to = module_of_target(rules, word);
      if (!to.empty() && !allows(rules, module, to))
        violations.push_back(file + ":" + std::to_string(i + 1) + ": module '" + module + "' links " + word +
                             ", but docs/architecture.md does not allow " + module + " -> " + to);
    }
    if (depth == 0) in_call = false;
  }
  return violations;
}

const Rules& documented_rules() {
  static const Rules rules = parse_rules(read_text(kSourceDir / "docs" / "architecture.md"));
  return rules;
}

bool is_source(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".h" || ext == ".hpp" || ext == ".cpp" || ext == ".inc";
}

std::vector<fs::path> sources_under(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(kSourceDir / folder))
    if (entry.is_regular_file() && is_source(entry.path())) files.push_back(fs::relative(entry.path(), kSourceDir));
  std::sort(files.begin(), files.end());
  return files;
}

TEST(LayeringRules, TableIsReadFromTheDoc) {
  const Rules& rules = documented_rules();
  ASSERT_FALSE(rules.empty()) << "no table under '## Who may include whom' in docs/architecture.md";
  ASSERT_TRUE(rules.count("common"));
  EXPECT_TRUE(rules.at("common").empty());
  EXPECT_TRUE(allows(rules, "store", "io"));
  EXPECT_FALSE(allows(rules, "io", "store"));
}

TEST(LayeringRules, EveryModuleFolderHasARow) {
  const Rules& rules = documented_rules();
  for (const auto& entry : fs::directory_iterator(kSourceDir / "src")) {
    if (!entry.is_directory()) continue;
    EXPECT_TRUE(rules.count(entry.path().filename().string()))
        << "src/" << entry.path().filename().string() << " has no row in docs/architecture.md";
  }
}

TEST(LayeringCheck, NamesFileAndLineOfAForbiddenInclude) {
  const Rules rules = parse_rules(
      "## Who may include whom\n\n| module | may include |\n|---|---|\n| `common` | |\n| `io` | `common` |\n"
      "| `store` | `common` `io` |\n| `train` | `common` |\n\n## Next\n| `io` | `store` |\n");
  EXPECT_FALSE(allows(rules, "io", "store")) << "a table after the next heading is not the rule";
  const auto violations = check_includes(rules, "src/store/import_csv.cpp", "store",
                                         "#include \"nasrank/io/nats.h\"\n#include <vector>\n"
                                         "#include \"nasrank/train/cost.h\"\n#include \"csv.h\"\n");
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0],
            "src/store/import_csv.cpp:3: module 'store' includes \"nasrank/train/cost.h\", but docs/architecture.md "
            "does not allow store -> train");
}

TEST(LayeringCheck, RefusesAnotherModulesPrivateHeader) {
  const Rules rules = parse_rules("## Who may include whom\n| `store` | `io` |\n| `io` | |\n");
  const auto violations =
      check_includes(rules, "src/io/nats.cpp", "io", "#include \"io/pickle_node.h\"\n  #  include \"store/h5.h\"\n");
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_NE(violations[0].find("src/io/nats.cpp:2: "), std::string::npos) << violations[0];
  EXPECT_NE(violations[0].find("private header of module 'store'"), std::string::npos) << violations[0];
}

TEST(LayeringCheck, NamesTheCMakeLineOfAForbiddenLink) {
  const Rules rules =
      parse_rules("## Who may include whom\n| `store` | `cell` |\n| `cell` | |\n| `train` | `cell` |\n");
  const std::string cmake =
      "nasrank_module(store\n  SOURCES a.cpp\n  PUBLIC_DEPS nasrank_cell # nasrank_train in a comment\n"
      "  PRIVATE_DEPS nasrank_train_core)\n"
      "target_link_libraries(nasrank_store PRIVATE \"$<IF:${X},a,b>\" m)\n";
  const auto violations = check_links(rules, "src/store/CMakeLists.txt", "store", cmake);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0],
            "src/store/CMakeLists.txt:4: module 'store' links nasrank_train_core, but docs/architecture.md does not "
            "allow store -> train");
}

TEST(Layering, EveryIncludeIsAnAllowedEdge) {
  const Rules& rules = documented_rules();
  std::size_t checked = 0;
  for (const char* root : {"src", "include"})
    for (const fs::path& file : sources_under(root)) {
      const std::string module = module_of(file);
      if (module.empty()) continue;
      ++checked;
      if (!rules.count(module)) {
        ADD_FAILURE() << file.string() << ": module '" << module << "' has no row in docs/architecture.md";
        continue;
      }
      for (const std::string& violation : check_includes(rules, file.string(), module, read_text(kSourceDir / file)))
        ADD_FAILURE() << violation;
    }
  EXPECT_GT(checked, 100u) << "the scan found too few files under " << kSourceDir;
}

TEST(Layering, EveryLinkIsAnAllowedEdge) {
  const Rules& rules = documented_rules();
  for (const auto& entry : fs::directory_iterator(kSourceDir / "src")) {
    const fs::path cmake = entry.path() / "CMakeLists.txt";
    if (!entry.is_directory() || !fs::exists(cmake)) continue;
    const std::string module = entry.path().filename().string();
    for (const std::string& violation :
         check_links(rules, fs::relative(cmake, kSourceDir).string(), module, read_text(cmake)))
      ADD_FAILURE() << violation;
  }
}

TEST(Layering, PublicHeadersNameNoLibTorchOrHdf5) {
  const std::regex foreign(R"(^\s*#\s*include\s*[<"](torch/|ATen/|c10/|hdf5|H5[A-Za-z]*\.h))");
  for (const fs::path& file : sources_under("include")) {
    const auto lines = lines_of(read_text(kSourceDir / file));
    for (std::size_t i = 0; i < lines.size(); ++i)
      if (std::regex_search(lines[i], foreign))
        ADD_FAILURE() << file.string() << ":" << i + 1 << ": a public header includes LibTorch or HDF5: " << lines[i];
  }
}

}  // namespace

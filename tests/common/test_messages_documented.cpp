// Every message nasrank can print has a row in docs/troubleshooting.md.
//
// The rule, so that anyone can tell why a message counts as documented:
//  1. Message sites, in every .cpp and .h under src/ and include/ except
//     src/python (the Python module's messages reach Python, not the
//     `nasrank` programs): the argument of each `throw InputError(...)` and
//     `throw IoError(...)`, of each `warnings.push_back(...)` /
//     `warnings.emplace_back(...)` (printed as `warning: ...`), and each
//     statement that prints a string literal starting with `error: ` or
//     `warning: ` itself.
//  2. A site's fragments are its runs of adjacent string literals (C++ joins
//     `"a" "b"`); what lies between them (a path, a number) is the variable
//     part a row writes as `<placeholder>`. Each fragment is trimmed of
//     spaces, quotes and the punctuation that glues it to a variable part.
//  3. The site's key is its longest fragment (the most telling words). A site
//     with no fragment of 3 letters or more (`throw InputError(message)`)
//     has no text of its own: the place that builds the message is a site
//     of its own kind or is not checked.
//  4. The message is documented when docs/troubleshooting.md contains the
//     key, compared with `\|` read as `|` and runs of white space as one
//     space. A row may list several messages; its backticks are not needed.
// On failure the test names each undocumented site as file:line with its
// key and the whole message (variable parts shown as <...>): add a row
// whose Message column contains the key.
#include "test_paths.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace nasrank::testing {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string collapse_spaces(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

// Decodes the escapes of a C++ string literal's body (what printing shows).
std::string unescape(const std::string& body) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out += body[i];
      continue;
    }
    const char c = body[++i];
    out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
  }
  return out;
}

std::string trim_glue(const std::string& text) {
  const std::string glue = " '\"`:;,.(=\n\t";
  const auto first = text.find_first_not_of(glue);
  if (first == std::string::npos) return "";
  return collapse_spaces(text.substr(first, text.find_last_not_of(glue) - first + 1));
}

int letters(const std::string& text) {
  return static_cast<int>(std::count_if(text.begin(), text.end(), [](unsigned char c) { return std::isalpha(c); }));
}

struct Site {
  std::string file;
  int line = 0;
  std::vector<std::string> fragments;  // string literal runs, in order
  std::string message;                 // the fragments with <...> between them
};

// Scans the balanced argument list that starts after `open` (the index just
// past a '('), skipping comments and character literals.
Site read_arguments(const std::string& text, std::size_t open) {
  Site site;
  int depth = 1;
  std::string run;
  bool in_run = false;
  bool variable_pending = false;
  auto end_run = [&] {
    if (!in_run) return;
    site.fragments.push_back(run);
    site.message += run;
    run.clear();
    in_run = false;
  };
  for (std::size_t i = open; i < text.size() && depth > 0; ++i) {
    const char c = text[i];
    if (c == '"') {
      std::size_t j = i + 1;
      std::string body;
      while (j < text.size() && text[j] != '"') {
        if (text[j] == '\\') body += text[j++];
        body += text[j++];
      }
      if (variable_pending && !in_run) site.message += "<...>";
      variable_pending = false;
      run += unescape(body);
      in_run = true;
      i = j;
    } else if (c == '\'') {
      end_run();
      variable_pending = true;
      std::size_t j = i + 1;
      while (j < text.size() && text[j] != '\'') j += text[j] == '\\' ? 2 : 1;
      i = j;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      i = text.find('\n', i);
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      continue;
    } else {
      if (c == '(') ++depth;
      if (c == ')') --depth;
      if (depth > 0) {
        end_run();
        if (c != '+') variable_pending = true;
      }
    }
  }
  end_run();
  if (variable_pending) site.message += "<...>";
  return site;
}

std::vector<Site> message_sites() {
  std::vector<Site> sites;
  const std::regex call(R"(throw\s+(InputError|IoError)\s*\(|\bwarnings\.(push_back|emplace_back)\s*\()");
  const std::regex printed(R"re("(error|warning): )re");
  std::vector<fs::path> files;
  for (const char* root : {"src", "include"})
    for (const auto& entry : fs::recursive_directory_iterator(source_dir() / root)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".h")) continue;
      const std::string relative = fs::relative(entry.path(), source_dir()).generic_string();
      if (relative.rfind("src/python/", 0) == 0) continue;
      files.push_back(entry.path());
    }
  std::sort(files.begin(), files.end());
  for (const fs::path& path : files) {
    const std::string text = slurp(path);
    const std::string relative = fs::relative(path, source_dir()).generic_string();
    auto line_of = [&](std::size_t at) {
      return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
    };
    for (auto it = std::sregex_iterator(text.begin(), text.end(), call); it != std::sregex_iterator(); ++it) {
      const std::size_t at = static_cast<std::size_t>(it->position());
      // Not in a comment: nothing but spaces between the line start and the call, or code.
      const std::size_t line_start = text.rfind('\n', at) + 1;
      if (text.compare(line_start, 2, "//") == 0 ||
          text.substr(line_start, at - line_start).find("//") != std::string::npos)
        continue;
      Site site = read_arguments(text, at + static_cast<std::size_t>(it->length()));
      site.file = relative;
      site.line = line_of(at);
      sites.push_back(std::move(site));
    }
    // A literal "error: ..." / "warning: ..." printed directly: the statement
    // from that literal to its ';'.
    for (auto it = std::sregex_iterator(text.begin(), text.end(), printed); it != std::sregex_iterator(); ++it) {
      const std::size_t at = static_cast<std::size_t>(it->position());
      const std::size_t line_start = text.rfind('\n', at) + 1;
      if (text.substr(line_start, at - line_start).find("//") != std::string::npos) continue;
      const std::size_t end = text.find(';', at);
      std::string statement = text.substr(at, end - at) + ")";
      Site site = read_arguments(statement, 0);
      // The prefix itself says nothing; the rest of the message does.
      for (std::string& fragment : site.fragments)
        for (const char* prefix : {"error: ", "warning: "})
          if (fragment.rfind(prefix, 0) == 0) fragment = fragment.substr(std::string(prefix).size());
      site.file = relative;
      site.line = line_of(at);
      sites.push_back(std::move(site));
    }
  }
  return sites;
}

std::string key_of(const Site& site) {
  std::string best;
  for (const std::string& fragment : site.fragments) {
    const std::string trimmed = trim_glue(fragment);
    if (letters(trimmed) > letters(best)) best = trimmed;
  }
  return letters(best) >= 3 ? best : "";
}

std::string documented_text() {
  std::string doc = slurp(source_dir() / "docs" / "troubleshooting.md");
  std::string out;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    if (doc[i] == '\\' && i + 1 < doc.size() && doc[i + 1] == '|') continue;
    out += doc[i];
  }
  return collapse_spaces(out);
}

TEST(MessagesDocumented, TheRuleFindsTheSitesItDescribes) {
  const std::vector<Site> sites = message_sites();
  // Hundreds of sites: a scanner that silently matched nothing would pass the next test.
  EXPECT_GT(sites.size(), 300u);
  const auto found = std::find_if(sites.begin(), sites.end(), [](const Site& s) {
    return s.file == "src/cli/main.cpp" && s.message.find("cannot run <...>") != std::string::npos &&
           key_of(s).find("build the nasrank-torch target") != std::string::npos;
  });
  EXPECT_NE(found, sites.end()) << "the directly printed `error: cannot run ...` of src/cli/main.cpp";
  Site joined = read_arguments(R"(  "report '" + path.string() + "': cannot " "write")", 0);
  EXPECT_EQ(key_of(joined), "cannot write");
  EXPECT_EQ(joined.message, "report '<...>': cannot write");
}

TEST(MessagesDocumented, EveryMessageHasARowInTroubleshooting) {
  const std::string doc = documented_text();
  std::string missing;
  int count = 0;
  for (const Site& site : message_sites()) {
    const std::string key = key_of(site);
    if (key.empty() || doc.find(key) != std::string::npos) continue;
    ++count;
    missing += "  " + site.file + ":" + std::to_string(site.line) + ": \"" + key +
               "\"   (message: " + collapse_spaces(site.message) + ")\n";
  }
  EXPECT_EQ(count, 0) << count
                      << " message(s) have no row in docs/troubleshooting.md. Add a row whose Message column contains "
                         "the quoted text (the rule is at the top of tests/common/test_messages_documented.cpp):\n"
                      << missing;
}

}  // namespace
}  // namespace nasrank::testing

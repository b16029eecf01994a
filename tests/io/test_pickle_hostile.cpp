// Hostile and broken pickles: every one must end in an InputError that names
// the input, the byte offset and the problem; nothing may crash or run code.
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "compress.h"
#include "pickle_bombs.h"
#include "nasrank/common/error.h"
#include "nasrank/io/pickle.h"
#include "io_test_util.h"
#include "test_paths.h"

namespace nasrank::io {
namespace {

using nasrank::testing::fixture;
using nasrank::testing::slurp;

using namespace std::string_literals;

std::string error_of_parse(const std::string& bytes, const PickleOptions& options = {}) {
  try {
    parse_pickle(bytes, "hostile", options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// Exact message: the whole contract of an error (input, problem, offset).
#define EXPECT_REFUSED(bytes, message) EXPECT_EQ(error_of_parse(bytes), "pickle 'hostile': " message)
// Message containing a fragment.
#define EXPECT_REFUSED_WITH(bytes, fragment)                                  \
  do {                                                                        \
    const std::string m_ = error_of_parse(bytes);                             \
    EXPECT_NE(m_.find(fragment), std::string::npos) << "message was: " << m_; \
  } while (false)

TEST(PickleHostile, GlobalsOutsideTheWhitelistAreRefused) {
  EXPECT_REFUSED(
      "\x80\x02"
      "cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02R."s,
      "refuses global 'os.system' at byte 2 (only plain data is accepted)");
  EXPECT_REFUSED("\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x93)R."s,
                 "refuses global 'os.system' at byte 16 (only plain data is accepted)");
  EXPECT_REFUSED(
      "\x80\x02"
      "cbuiltins\neval\n."s,
      "refuses global 'builtins.eval' at byte 2 (only plain data is accepted)");
  EXPECT_REFUSED(
      "\x80\x04\x8c\x08"
      "builtins\x94\x8c\x04"
      "eval\x94\x93."s,
      "refuses global 'builtins.eval' at byte 20 (only plain data is accepted)");
  EXPECT_REFUSED(
      "\x80\x02"
      "csubprocess\nPopen\n."s,
      "refuses global 'subprocess.Popen' at byte 2 (only plain data is accepted)");
  EXPECT_REFUSED("\x80\x04\x8c\x0asubprocess\x94\x8c\x05Popen\x94\x93."s,
                 "refuses global 'subprocess.Popen' at byte 23 (only plain data is accepted)");
  for (const char* name : {"posix\nsystem\n", "nt\nsystem\n", "__builtin__\neval\n", "builtins\ngetattr\n",
                           "copyreg\n_reconstructor\n", "numpy\nload\n", "collections\nOrderedDict.fromkeys\n",
                           "numpy.core.multiarray\nfrombuffer\n", "torch._utils\n_rebuild_tensor_v2\n"})
    EXPECT_REFUSED_WITH(
        "\x80\x02"
        "c"s +
            name + "."s,
        "(only plain data is accepted)");
  // Names are quoted safely, however long or strange they are.
  const std::string long_name =
      "\x80\x02"
      "c"s +
      std::string(3000, 'm') + "\n\x01\x02\n.";
  const std::string message = error_of_parse(long_name);
  EXPECT_NE(message.find("refuses global 'mmmm"), std::string::npos) << message;
  EXPECT_LT(message.size(), 200u);
}

TEST(PickleHostile, ExploitsWrittenByPythonAreRefused) {
  const std::pair<const char*, const char*> cases[] = {
      {"hostile_system_p2.pkl", "refuses global 'posix.system' at byte 2"},
      {"hostile_system_p4.pkl", "refuses global 'posix.system' at byte 28"},
      {"hostile_eval_p4.pkl", "refuses global 'builtins.eval' at byte 29"},
      {"hostile_popen_p4.pkl", "refuses global 'subprocess.Popen' at byte 32"},
      {"hostile_nested_p4.pkl", "refuses global 'posix.system' at byte 48"},
  };
  for (const auto& [file, problem] : cases) {
    const auto path = fixture(file);
    try {
      read_pickle(path);
      ADD_FAILURE() << file << " was accepted";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), "pickle '" + path.string() + "': " + problem + " (only plain data is accepted)");
    }
  }
}

TEST(PickleHostile, CallsOfNonConstructorsAreRefused) {
  EXPECT_REFUSED(
      "\x80\x04\x8c\x04"
      "eval\x94)R."s,
      "REDUCE calls a str 'eval', which is not a whitelisted constructor (only plain data is accepted) at "
      "byte 10");
  EXPECT_REFUSED(
      "\x80\x02"
      "cnumpy\nndarray\n)R."s,
      "REDUCE calls numpy.ndarray directly, which is not supported (arrays come from _reconstruct) at byte 18");
  EXPECT_REFUSED(
      "\x80\x02"
      "ccollections\nOrderedDict\nK\x05\x85R."s,
      "REDUCE calls collections.OrderedDict with arguments (5,) (expected no argument or one sequence of "
      "pairs) at byte 30");
  EXPECT_REFUSED_WITH(
      "\x80\x02"
      "c_codecs\nencode\nX\x01\x00\x00\x00"
      "aX\x05\x00\x00\x00utf-8\x86R."s,
      "the 'latin1' encoding");
  EXPECT_REFUSED_WITH(
      "\x80\x02"
      "cnumpy.core.multiarray\n_reconstruct\nccollections\nOrderedDict\nK\x00\x85"
      "C\x01"
      "b\x87R."s,
      "ndarray subclasses are not supported");
  EXPECT_REFUSED(
      "\x80\x02"
      "cnumpy\ndtype\n)\x81."s,
      "NEWOBJ of 'numpy.dtype' is not supported at byte 16");
  EXPECT_REFUSED(
      "\x80\x02"
      "cbuiltins\nset\nN"
      "R."s,
      "REDUCE needs a tuple of arguments, found NoneType None at byte 17");
  EXPECT_REFUSED(
      "\x80\x04]N"
      "b."s,
      "BUILD on a list is not allowed (only numpy dtypes and arrays take a state) at byte 4");
  EXPECT_REFUSED(
      "\x80\x02"
      "ccollections\nOrderedDict\n)R}X\x01\x00\x00\x00xK\x01s"
      "b."s,
      "BUILD sets attributes on a OrderedDict, which plain data never has at byte 39");
}

TEST(PickleHostile, CodeRunningOpcodesAreRefused) {
  EXPECT_REFUSED("(ios\nsystem\n."s,
                 "refuses opcode INST (it instantiates a class by name) at byte 1 (only plain data is accepted)");
  EXPECT_REFUSED("(ccollections\nOrderedDict\no."s,
                 "refuses opcode OBJ (it instantiates a class by name) at byte 26 (only plain data is accepted)");
  EXPECT_REFUSED("Pfoo\n."s,
                 "refuses opcode PERSID (persistent references to outside objects) at byte 0 (only plain data is "
                 "accepted)");
  EXPECT_REFUSED_WITH("\x80\x02NQ."s, "refuses opcode BINPERSID");
  EXPECT_REFUSED_WITH("\x80\x02\x82\x01."s, "refuses opcode EXT1 (extension registry codes name arbitrary classes)");
  EXPECT_REFUSED_WITH("\x80\x05\x97."s, "uses NEXT_BUFFER: out-of-band buffers are not supported");
  EXPECT_REFUSED_WITH("S'abc'\n."s, "protocol 0 text strings are not supported");
}

TEST(PickleHostile, DeepNestingIsRefusedWithoutCrashing) {
  const std::string lists = "\x80\x04"s + std::string(100000, ']') + std::string(99999, 'a') + ".";
  EXPECT_REFUSED(lists, "APPEND nests containers more than 1000 levels deep at byte 101001");
  const std::string marks = "\x80\x04"s + std::string(100000, '(') + ".";
  EXPECT_REFUSED(marks, "more than 1000 MARKs are open (nesting too deep) at byte 1002");
  const std::string tuples = "\x80\x04)"s + std::string(100000, '\x85') + ".";
  EXPECT_REFUSED(tuples, "TUPLE1 nests containers more than 1000 levels deep at byte 1002");
  const std::string dicts = [] {
    std::string out = "\x80\x04";
    for (int i = 0; i < 5000; ++i) out += "}K\x01";
    for (int i = 0; i < 4999; ++i) out += "\x86\x87";  // pairs/triples folding into tuples
    return out + ".";
  }();
  EXPECT_REFUSED_WITH(dicts, "levels deep");
  // Just inside the limit is fine, and freeing it does not overflow the stack.
  const std::string ok = "\x80\x04"s + std::string(999, ']') + std::string(998, 'a') + ".";
  EXPECT_EQ(parse_pickle(ok, "deep").type(), PickleType::List);
}

TEST(PickleHostile, HugeDeclaredLengthsAreNeverAllocated) {
  const std::string unicode =
      "\x80\x04X\x00\x00\x00\x80"
      "abc."s;
  EXPECT_REFUSED(unicode,
                 "BINUNICODE declares a length of 2147483648 bytes, more than the limit of 1073741824 at byte 2");
  PickleOptions generous;
  generous.max_object_bytes = std::uint64_t{1} << 45;
  EXPECT_EQ(error_of_parse(unicode, generous),
            "pickle 'hostile': BINUNICODE declares 2147483648 bytes but only 4 remain (the file is truncated or "
            "corrupt) at byte 2");
  // From a stream the remaining size is unknown: memory grows only with data
  // that actually arrives, so a 1 TiB claim fails cleanly.
  const std::string terabyte =
      "\x80\x04\x8e\x00\x00\x00\x00\x00\x01\x00\x00"
      "abc."s;
  try {
    read_pickle(*open_memory_input(nasrank::testing::bzip2_compress(terabyte), "claims.pbz2"), generous);
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "pickle 'claims.pbz2': BINBYTES8 declares 1099511627776 bytes but the data ends after 4 (the file is "
              "truncated) at byte 2");
  }
  EXPECT_REFUSED_WITH("\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x7f."s, "more than the limit");
  EXPECT_REFUSED_WITH("\x80\x02\x8b\xff\xff\xff\x7f."s,
                      "LONG4 declares a length of 2147483647 bytes, more than the limit");
  EXPECT_REFUSED("\x80\x02T\xff\xff\xff\xff."s, "BINSTRING declares a negative length at byte 2");
  EXPECT_REFUSED("\x80\x02\x8b\xff\xff\xff\xff."s, "LONG4 declares a negative length at byte 2");
}

TEST(PickleHostile, BadMemoReferences) {
  EXPECT_REFUSED(
      "\x80\x04N\x94j\xff\xff\xff\xff."s,
      "LONG_BINGET refers to memo entry 4294967295, which is not defined (the memo holds 1 entries) at byte 4");
  EXPECT_REFUSED("\x80\x02h\x05."s,
                 "BINGET refers to memo entry 5, which is not defined (the memo holds 0 entries) at byte 2");
  EXPECT_REFUSED("\x80\x02Nq\x03h\x02."s,
                 "BINGET refers to memo entry 2, which is not defined (the memo holds 1 entries) at byte 5");
  EXPECT_REFUSED_WITH("g12x\n."s, "GET argument '12x' is not a memo index");
  // A far-away id is legal (the memo is a dict) and costs no memory.
  EXPECT_TRUE(parse_pickle("\x80\x04Nr\x00\x00\x00\xf0j\x00\x00\x00\xf0."s, "far").is_none());
}

TEST(PickleHostile, StackUnderflowAndBrokenStructure) {
  EXPECT_REFUSED(
      "\x80\x04"
      "a."s,
      "APPEND needs a value but the stack is empty (stack underflow) at byte 2");
  EXPECT_REFUSED("\x80\x04."s, "STOP with an empty stack (stack underflow) at byte 2");
  EXPECT_REFUSED("\x80\x04u."s, "SETITEMS needs a MARK but none is open (stack underflow) at byte 2");
  EXPECT_REFUSED("\x80\x04K\x01\x86."s, "TUPLE2 needs 2 values but the stack has fewer (stack underflow) at byte 4");
  EXPECT_REFUSED("\x80\x04](a."s, "APPEND needs a value but the stack is empty (stack underflow) at byte 4");
  EXPECT_REFUSED("\x80\x04(e."s, "APPENDS has no container below its MARK (stack underflow) at byte 3");
  EXPECT_REFUSED("\x80\x04N0."s, "STOP with an empty stack (stack underflow) at byte 4");
  EXPECT_REFUSED(
      "\x80\x04"
      "1."s,
      "POP_MARK needs a MARK but none is open (stack underflow) at byte 2");
  EXPECT_REFUSED("\x80\x04\x93."s, "STACK_GLOBAL needs a value but the stack is empty (stack underflow) at byte 2");
  EXPECT_REFUSED(
      "\x80\x04N\x8c\x01"
      "x\x93."s,
      "STACK_GLOBAL needs two str values (module, name), found NoneType and str at byte 6");
  EXPECT_REFUSED("\x80\x04}(K\x01u."s, "SETITEMS has an odd number of values (a key without a value) at byte 6");
  EXPECT_REFUSED("\x80\x04K\x01(K\x02K\x03u."s, "SETITEMS sets an item on a int (only dicts take items) at byte 9");
  EXPECT_REFUSED("\x80\x04(\x91(K\x01\x90."s, "ADDITEMS adds to a frozenset (only sets take ADDITEMS) at byte 7");
  EXPECT_REFUSED("\x80\x06N."s, "unsupported pickle protocol 6 (this reader knows 0 to 5) at byte 0");
  EXPECT_REFUSED("\x80\x04\xff"s, "unknown opcode 0xff (not a pickle, or corrupt) at byte 2");
  EXPECT_REFUSED("\x80\x04\x8c\x02\xff\xfe."s, "SHORT_BINUNICODE holds invalid UTF-8 (byte 0 of the string) at byte 2");
  EXPECT_REFUSED("\x80\x04N.junk"s, "data continues after the pickle's STOP opcode at byte 4");
}

TEST(PickleHostile, SelfReferencesAndUnhashableKeys) {
  EXPECT_REFUSED(
      "\x80\x04]\x94h\x00"
      "a."s,
      "APPEND puts a list inside itself (self-referencing structures are not supported) at byte 6");
  EXPECT_REFUSED(
      "\x80\x04]\x94]\x94h\x00"
      "aa."s,
      "APPEND changes a list that is already inside another container (self-referencing structures are not "
      "supported) at byte 9");
  EXPECT_REFUSED("\x80\x04}]Ns."s, "SETITEM: unhashable type 'list' used as a dict key or set element at byte 5");
  EXPECT_REFUSED("\x80\x04}]\x85Ns."s, "SETITEM: unhashable type 'list' used as a dict key or set element at byte 6");
  EXPECT_REFUSED("\x80\x04\x8f(}\x90."s,
                 "ADDITEMS: unhashable type 'dict' used as a dict key or set element at byte 5");
}

// numpy array pickled by protocol 2: _reconstruct + BUILD with the given state parts.
std::string numpy_array_pickle(const std::string& shape, const std::string& fortran, const std::string& data,
                               const std::string& dtype = "u1") {
  return "\x80\x02"
         "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85"
         "C\x01"
         "b\x87R(K\x01"s +
         shape + "cnumpy\ndtype\nX\x02\x00\x00\x00"s + dtype +
         "K\x00K\x01\x87R(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"s + fortran + data +
         "tb.";
}

TEST(PickleHostile, MalformedNumpyData) {
  const std::string shape23 = "K\x02K\x03\x86"s;
  EXPECT_EQ(parse_pickle(numpy_array_pickle(shape23, "\x89",
                                            "C\x06"
                                            "abcdef"),
                         "ok")
                .as_ndarray()
                .raw(),
            "abcdef");
  EXPECT_REFUSED_WITH(numpy_array_pickle(shape23, "\x89",
                                         "C\x03"
                                         "abc"),
                      "numpy array of shape (2, 3) and itemsize 1 needs 6 bytes of data but has 3");
  EXPECT_REFUSED_WITH(numpy_array_pickle(shape23, "\x88",
                                         "C\x06"
                                         "abcdef"),
                      "Fortran-ordered numpy arrays are not supported");
  EXPECT_REFUSED_WITH(numpy_array_pickle(shape23, "\x89", "]"), "object arrays are not supported");
  EXPECT_REFUSED_WITH(
      numpy_array_pickle("\x8a\x06\x00\x00\x00\x00\x00\x01\x8a\x06\x00\x00\x00\x00\x00\x01\x86"s, "\x89",
                         "C\x01"
                         "a"),
      "is larger than the limit");
  EXPECT_REFUSED_WITH(numpy_array_pickle("J\xff\xff\xff\xff\x85"s, "\x89",
                                         "C\x01"
                                         "a"),
                      "has a negative dimension");
  EXPECT_REFUSED_WITH(numpy_array_pickle(shape23, "\x89",
                                         "C\x06"
                                         "abcdef",
                                         "O8"),
                      "numpy dtype 'O8' is not supported");
  EXPECT_REFUSED_WITH(numpy_array_pickle(shape23, "\x89",
                                         "C\x06"
                                         "abcdef",
                                         "U3"),
                      "numpy dtype 'U3' is not supported");
  EXPECT_REFUSED_WITH(
      "\x80\x02"
      "cnumpy.core.multiarray\nscalar\ncnumpy\ndtype\nX\x02\x00\x00\x00"
      "f8K\x00K\x01\x87R"
      "C\x03"
      "abc\x86R."s,
      "numpy scalar of dtype '<f8' has 3 bytes instead of 8");
  EXPECT_REFUSED_WITH(
      "\x80\x02"
      "cnumpy\ndtype\nX\x02\x00\x00\x00"
      "f8K\x00K\x01\x87R(K\x03X\x01\x00\x00\x00<N(tNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb."s,
      "structured and sub-array numpy dtypes are not supported");
}

TEST(PickleHostile, TruncationAfterEveryByteIsReported) {
  for (const char* name : {"all_types_p2.pkl", "all_types_p4.pkl", "numpy_p5.pkl", "cifar_py2_like.pkl"}) {
    const std::string full = slurp(fixture(name));
    ASSERT_NO_THROW(parse_pickle(full, name));
    for (std::size_t length = 0; length < full.size(); ++length) {
      const std::string message = error_of_parse(full.substr(0, length));
      ASSERT_NE(message.find("truncated"), std::string::npos) << name << " cut at " << length << ": " << message;
    }
  }
  EXPECT_REFUSED("", "data ends before the STOP opcode (the file is truncated or empty) at byte 0");
  EXPECT_REFUSED("\x80\x04\x95\x01\x00"s,
                 "data ends inside FRAME (8 bytes needed, 2 left; the file is truncated) at byte 2");
}

TEST(PickleHostile, TruncatedOrGarbageCompressedFiles) {
  const std::string packed = nasrank::testing::bzip2_compress(slurp(fixture("all_types_p4.pkl")));
  for (const std::size_t cut : {std::size_t{0}, std::size_t{10}, packed.size() / 2, packed.size() - 1}) {
    try {
      read_pickle(*open_memory_input(packed.substr(0, cut), "cut.pbz2"));
      ADD_FAILURE() << "accepted a bzip2 file cut at " << cut;
    } catch (const InputError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("'cut.pbz2'"), std::string::npos) << m;
      EXPECT_NE(m.find("byte"), std::string::npos) << m;
    }
  }
  try {
    read_pickle(*open_memory_input("BZh91AY&SY" + std::string(200, '\x5a'), "garbage.pbz2"));
    ADD_FAILURE() << "accepted garbage";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'garbage.pbz2'"), std::string::npos) << m;
    EXPECT_NE(m.find("compressed byte"), std::string::npos) << m;
  }
}

TEST(PickleHostile, RandomMutationsNeverCrash) {
  std::mt19937 rng(20240501);
  int accepted = 0;
  int refused = 0;
  for (const char* name :
       {"all_types_p2.pkl", "all_types_p4.pkl", "numpy_p2.pkl", "numpy_p5.pkl", "000002.pickle.pbz2"}) {
    std::string base = slurp(fixture(name));
    if (detect_compression(base) != Compression::None) base = read_all(*open_memory_input(base, name), 1 << 20);
    for (int round = 0; round < 3000; ++round) {
      std::string bytes = base;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const std::size_t pos = rng() % bytes.size();
        switch (rng() % 4) {
          case 0:
            bytes[pos] = static_cast<char>(rng());
            break;
          case 1:
            bytes[pos] ^= static_cast<char>(1 << (rng() % 8));
            break;
          case 2:
            bytes.erase(pos, 1 + rng() % 8);
            break;
          default:
            bytes.insert(pos, 1, static_cast<char>(rng()));
        }
        if (bytes.empty()) bytes = "x";
      }
      try {
        parse_pickle(bytes, "mutant");
        ++accepted;
      } catch (const InputError&) {
        ++refused;
      }
    }
  }
  EXPECT_GT(refused, 10000);
  EXPECT_GT(accepted, 0);
}

PickleOptions budget_of(std::uint64_t bytes) {
  PickleOptions options;
  options.max_decode_bytes = bytes;
  options.decode_budget_hint = "raise it with --test-option";
  return options;
}

TEST(PickleHostile, CodecsEncodeCopiesCountAgainstTheDecodeBudget) {
  // 1 MiB memoized once, copied by each of 12 _codecs.encode calls: 13 MiB.
  const std::string bomb = nasrank::testing::codecs_encode_bomb(1u << 20, 12);
  const std::string message = error_of_parse(bomb, budget_of(8u << 20));
  EXPECT_NE(message.find("decoding needs more than 8388608 bytes of memory, the budget for one decode"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("raise it with --test-option"), std::string::npos) << message;
  // The same file fits a budget that holds all 13 copies.
  const PickleValue ok = parse_pickle(bomb, "ok", budget_of(16u << 20));
  ASSERT_EQ(ok.as_list().size(), 12u);
  EXPECT_EQ(ok.as_list()[11].as_bytes().size(), 1u << 20);
}

TEST(PickleHostile, SharedReferencesCountAgainstTheDecodeBudget) {
  // 300,000 references to one memoized list: 600 KB of pickle, 4.8 MB of slots.
  const std::string bomb = nasrank::testing::memo_reference_bomb(1000, 300000);
  ASSERT_LT(bomb.size(), 700000u);
  EXPECT_NE(error_of_parse(bomb, budget_of(2u << 20)).find("the budget for one decode"), std::string::npos);
  EXPECT_EQ(parse_pickle(bomb, "ok", budget_of(64u << 20)).as_list().size(), 300000u);
}

TEST(PickleHostile, ContainerCopiesByWhitelistedCallsCountAgainstTheDecodeBudget) {
  // A 20,000-item dict memoized, then OrderedDict(d) and set(list) applied
  // to it again and again: each call copies every item.
  std::string p = "\x80\x04}q\x00("s;
  for (int i = 0; i < 20000; ++i) p += "J"s + std::string(reinterpret_cast<const char*>(&i), 4) + "N"s;
  p += "u]("s;
  for (int i = 0; i < 100; ++i) p += "ccollections\nOrderedDict\nh\x00\x85R"s;
  p += "e."s;
  const std::string message = error_of_parse(p, budget_of(16u << 20));
  EXPECT_NE(message.find("the budget for one decode"), std::string::npos) << message;
}

TEST(PickleHostile, TruncatedPayloadIsReportedAsTruncatedNotAsOverBudget) {
  // Memory is charged as the data arrives, not as the header claims.
  const std::string claims =
      "\x80\x04\x8e\x00\x00\x00\x40\x00\x00\x00\x00"
      "abc."s;  // 1 GiB declared
  try {
    read_pickle(*open_memory_input(nasrank::testing::bzip2_compress(claims), "claims.pbz2"), budget_of(4u << 20));
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("the file is truncated"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nasrank::io

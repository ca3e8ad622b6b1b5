#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "pipeline/pipeline.h"

namespace semdex {
namespace {

std::string Drain(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

TEST(ProgressBarTest, RedrawsInPlaceWithCountsRateAndEta) {
  std::FILE* f = std::tmpfile();
  ProgressBar bar(f, /*enabled=*/true);
  bar.Start(4);
  bar.Update(1, 10);
  bar.Log("[1/4] a.ts: 10 chunks");
  bar.Update(4, 25);  // the last file always redraws
  bar.Finish();
  std::string out = Drain(f);
  std::fclose(f);
  EXPECT_NE(out.find("\r"), std::string::npos);
  EXPECT_NE(out.find("1/4 files"), std::string::npos) << out;
  EXPECT_NE(out.find("4/4 files  25 chunks"), std::string::npos) << out;
  EXPECT_NE(out.find("files/s"), std::string::npos);
  EXPECT_NE(out.find("ETA"), std::string::npos);
  EXPECT_NE(out.find("[1/4] a.ts: 10 chunks\n"), std::string::npos);
}

TEST(ProgressBarTest, DisabledWritesOnlyLogLinesWithoutControlCharacters) {
  std::FILE* f = std::tmpfile();
  ProgressBar bar(f, /*enabled=*/false);
  bar.Start(2);
  bar.Update(1, 3);
  bar.Log("[1/2] a.ts: 3 chunks");
  bar.Update(2, 5);
  bar.Finish();
  EXPECT_EQ(Drain(f), "[1/2] a.ts: 3 chunks\n");
  std::fclose(f);
}

}  // namespace
}  // namespace semdex

// SPDX-License-Identifier: GPL-3.0-or-later
// Physical memory: sparse 4 KiB frames of 512 64-bit words, and a symbol table naming frames.
//
// Frames are shared copy-on-write between machine copies (timeline keyframes, the explorer's
// successors), and so are the frame table and the symbol table: a copy of the memory costs two
// pointers until one of the copies writes.
#pragma once

#include "tlblab/pae.hpp"

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace tlblab {

using Frame = std::array<u64, 512>;

class PhysMemory {
public:
    // Reads a 64-bit little-endian word at a physical address (8-byte aligned). Unbacked
    // memory reads as zero, as an absent frame holds nothing yet.
    u64 read64(u64 pa) const {
        auto it = m_frames->find(pa >> 12);
        return it == m_frames->end() ? 0 : (*it->second)[(pa & 0xfff) >> 3];
    }
    void write64(u64 pa, u64 value);

    // Allocates a zeroed frame from the page-table pool and names it. Returns its physical address.
    u64 allocFrame(const std::string& name);
    bool hasFrame(u64 pa) const { return m_frames->count(pa >> 12) != 0; }
    std::size_t frameCount() const { return m_frames->size(); }
    // Whether this memory still shares its frame table with `o` (a copy neither has written to
    // since: then both hold the same contents).
    bool sameFrames(const PhysMemory& o) const { return m_frames == o.m_frames; }

    // The words written lately, for the explorer's incremental memory sum: writeCount() grows by
    // one per write64 into an existing frame and by kWriteLogSize + 1 when a frame is created;
    // recentWrite(i) is the address of the i-th latest write (i < kWriteLogSize).
    static constexpr std::size_t kWriteLogSize = 8;
    u64 writeCount() const { return m_writes; }
    u64 recentWrite(std::size_t i) const { return m_writeLog[(m_writes - 1 - i) % kWriteLogSize]; }
    // Visits every backed frame as f(frame address, contents), in no particular order (the
    // explorer hashes memory with an order-independent sum).
    template <typename F>
    void forEachFrame(F&& f) const {
        for (const auto& [number, frame] : *m_frames) f(number << 12, *frame);
    }

    // Symbol table: frame address <-> name.
    void name(u64 framePa, const std::string& name);
    std::optional<std::string> nameOf(u64 framePa) const;
    std::optional<u64> frameNamed(const std::string& name) const;
    const std::map<u64, std::string>& symbols() const { return m_symbols->names; }

private:
    using FrameTable = std::unordered_map<u64, std::shared_ptr<Frame>>;  // key: frame number
    struct Symbols {
        std::map<u64, std::string> names;  // key: frame address
        std::map<std::string, u64> byName;
    };
    FrameTable& framesForWrite();  // the frame table, unshared first
    std::shared_ptr<FrameTable> m_frames = std::make_shared<FrameTable>();
    std::shared_ptr<Symbols> m_symbols = std::make_shared<Symbols>();
    u64 m_nextTableFrame = 0x01800000;
    u64 m_writes = 0;
    std::array<u64, kWriteLogSize> m_writeLog{};  // page-table pool (kernel .bss-like region, 24 MiB)
};

}  // namespace tlblab

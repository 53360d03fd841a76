// Key/value memory of all layers, in cells. A cell holds one token's keys and
// values for every layer, tagged with the sequence and position it belongs
// to; the forward pass lets a token attend to the cells of its own sequence
// at positions up to its own (and within the window on sliding layers).
// Which cell a token goes to is the caller's choice (engine/), so several
// sequences can share one store and be decoded in one batched step.
#pragma once

#include <cstdint>
#include <vector>

#include "core/huge_pages.h"
#include "gguf/tensor_type.h"
#include "model/hparams.h"

namespace hearth::model {

class KvStore {
 public:
  // type: F16 (default), Q8_0 (half the memory; head sizes must be multiples
  // of 32) or F32. n_cells: the total context of all sequences.
  KvStore(const HParams& hp, int64_t n_cells, TensorType type = TensorType::F16);

  // Bytes one cell takes (K and V of every layer): model::kv_bytes_per_cell
  // (model/memory.h), the formula sizing and planning use.
  static uint64_t bytes_per_cell(const HParams& hp, TensorType type);

  int64_t n_cells() const { return n_cells_; }
  TensorType type() const { return type_; }
  uint64_t bytes() const;  // K and V rows
  // Everything this store holds on the heap (K/V rows and cell tags), as
  // allocated: what model::kv_store_bytes predicts.
  uint64_t allocated_bytes() const;

  // Per layer and KV head, its row of K for `cell` ([n_cells][head_dim] per
  // head) and of V ([n_cells][head_dim_v]), a head's rows one after another.
  uint8_t* k_head(int64_t layer, int64_t head, int64_t cell) { return rows_.get() + k_offset(layer, head, cell); }
  uint8_t* v_head(int64_t layer, int64_t head, int64_t cell) { return rows_.get() + v_offset(layer, head, cell); }
  const uint8_t* k_head(int64_t layer, int64_t head, int64_t cell) const {
    return rows_.get() + k_offset(layer, head, cell);
  }
  const uint8_t* v_head(int64_t layer, int64_t head, int64_t cell) const {
    return rows_.get() + v_offset(layer, head, cell);
  }
  // Bytes of one head's row: from a cell's row of a head to the next cell's.
  uint64_t k_head_bytes() const { return k_head_bytes_; }
  uint64_t v_head_bytes() const { return v_head_bytes_; }

  // Cell tags: seq < 0 means free.
  int32_t seq(int64_t cell) const { return seq_[cell]; }
  int64_t pos(int64_t cell) const { return pos_[cell]; }
  void assign(int64_t cell, int32_t seq, int64_t pos) {
    seq_[cell] = seq;
    pos_[cell] = pos;
  }
  void free_cell(int64_t cell) { seq_[cell] = -1; }
  void clear();

 private:
  // Layer l: the K rows of head 0 for every cell, of head 1, ..., then the
  // V rows alike. Head major, so that attention, which reads one KV head
  // over a sequence's cells, streams contiguous rows (when a cell's row held
  // every head, Llama-3.2-1B's attention read 128 bytes of every 1024: rows
  // 1 KiB apart share 4 of L1's 64 sets, and it ran at 6-9 GB/s of KV).
  uint64_t k_offset(int64_t layer, int64_t head, int64_t cell) const {
    return static_cast<uint64_t>(layer) * layer_bytes_ + cell_of_head(head, cell) * k_head_bytes_;
  }
  uint64_t v_offset(int64_t layer, int64_t head, int64_t cell) const {
    return static_cast<uint64_t>(layer) * layer_bytes_ + static_cast<uint64_t>(n_cells_) * k_row_bytes_ +
           cell_of_head(head, cell) * v_head_bytes_;
  }
  uint64_t cell_of_head(int64_t head, int64_t cell) const {
    return static_cast<uint64_t>(head) * static_cast<uint64_t>(n_cells_) + static_cast<uint64_t>(cell);
  }

  int64_t n_cells_;
  int64_t n_layer_;
  TensorType type_;
  uint64_t k_row_bytes_, v_row_bytes_, layer_bytes_;  // rows of every head
  uint64_t k_head_bytes_, v_head_bytes_;
  // All rows in one buffer with huge pages (core/huge_pages.h): decode reads
  // every layer's rows per token, a TLB miss per 4 KiB page on small pages.
  HugePageBuffer rows_;
  std::vector<int32_t> seq_;
  std::vector<int64_t> pos_;
};

}  // namespace hearth::model

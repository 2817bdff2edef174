"""Part of the embed stage: CLIP's text tower over many texts that begin with the same tokens, with those
tokens computed once.

Why it is exact: the text tower's attention is causal (a token sees only itself and the tokens before it)
and its positions are absolute, so the hidden states of "<start> a bad photo of a" are the same, at every
layer, whatever label follows. We run those tokens once per template, keep each layer's keys and values,
and run only the label's and the template's trailing tokens (up to the end token, whose output CLIP pools)
against them. The arithmetic is the checkpoint's own modules (embeddings, each layer's layer norms, q/k/v/out
projections and MLP, the final layer norm, the text projection); only the order of the sums changes, so the
vectors equal the plain forward's within float32 rounding (tests/test_shared_prefix.py).

A text whose token ids do not begin with the prefix's ids (a label that merges with the template's text
before it, say) is not shared: the caller runs it through the plain forward.
"""
from dataclasses import dataclass

import torch


def pooled_position(ids, eos_token_id):
    """Where HF's CLIPTextModel takes the text's output: configs with the old eos_token_id of 2 take the
    first largest token id (the end token is the vocabulary's last), newer ones the first end token."""
    if eos_token_id == 2:
        return max(range(len(ids)), key=ids.__getitem__)  # max() keeps the first of equal values
    return ids.index(eos_token_id)


class SharedPrefix:
    """model: a transformers CLIPModel (its text tower and projection are used as they are)."""

    def __init__(self, model):
        self.text = model.text_model
        self.projection = model.text_projection
        self.eos_token_id = self.text.eos_token_id
        self.device = self.projection.weight.device

    def past(self, prefixes):
        """prefixes: token ids of each shared prefix, start token first -> their Past. All prefixes run in one
        pass, right-padded to the longest: causal attention keeps each prefix's own tokens from seeing the
        padding after them, and the padding's keys and values are masked wherever they are read."""
        longest = max(map(len, prefixes))
        ids = torch.tensor([p + [p[-1]] * (longest - len(p)) for p in prefixes], device=self.device)  # (n, longest)
        hidden = self.text.embeddings(input_ids=ids)  # (n, longest, width)
        mask = _mask(torch.zeros(len(prefixes), dtype=torch.long, device=self.device), 0, longest)
        keys, values = [], []
        for layer in self.text.encoder.layers:
            empty = hidden.new_zeros(len(prefixes), layer.self_attn.num_heads, 0, layer.self_attn.head_dim)
            hidden, layer_keys, layer_values = _layer(layer, hidden, empty, empty, mask)
            keys.append(layer_keys)      # (n_prefixes, heads, longest, head_dim)
            values.append(layer_values)
        return Past(torch.tensor([len(p) for p in prefixes], device=self.device), keys, values)

    def run(self, past, which, rests):
        """which: per text, the index of its prefix in past; rests: per text, its token ids after the prefix up
        to and including the pooled token (the tokens after it cannot change it) -> (n, projection_dim),
        projected and not normalised, as get_text_features' output."""
        width = max(map(len, rests))
        pad = rests[0][-1]  # any id: padding sits after each text's pooled token, which never sees it
        ids = torch.tensor([r + [pad] * (width - len(r)) for r in rests], device=self.device)  # (n, width)
        which = torch.tensor(which, device=self.device)                                         # (n,)
        n_prefix = past.lengths[which]                                                          # (n,)
        positions = n_prefix[:, None] + torch.arange(width, device=self.device)  # (n, width): after its prefix
        positions = positions.clamp(max=self.text.embeddings.position_embedding.num_embeddings - 1)  # only pads
        hidden = self.text.embeddings(input_ids=ids, position_ids=positions)    # (n, width, hidden)
        mask = _mask(n_prefix, past.keys[0].shape[2], width)
        pooled = torch.tensor([len(r) - 1 for r in rests], device=self.device)  # (n,) each text's last token
        *layers, last_layer = zip(self.text.encoder.layers, past.keys, past.values)
        for layer, keys, values in layers:
            hidden, _, _ = _layer(layer, hidden, keys[which], values[which], mask)
        layer, keys, values = last_layer  # only the pooled token's output is read: queries and MLP for it alone
        last, _, _ = _layer(layer, hidden, keys[which], values[which], mask, pooled)  # (n, 1, hidden)
        return self.projection(self.text.final_layer_norm(last[:, 0]))              # (n, projection_dim)


@dataclass
class Past:
    lengths: "torch.Tensor"  # (n_prefixes,) tokens in each prefix
    keys: list               # per layer (n_prefixes, heads, longest prefix, head_dim); masked after each prefix
    values: list             # the same, values


def _mask(n_prefix, n_past, n_new):
    """(n, 1, n_new, n_past + n_new) booleans, True where attention is allowed: a text's own prefix (the
    first n_prefix of the n_past past positions) and its new tokens up to and including itself."""
    row = torch.arange(n_new, device=n_prefix.device)[None, :, None]             # (1, n_new, 1)
    column = torch.arange(n_past + n_new, device=n_prefix.device)[None, None, :]  # (1, 1, n_past + n_new)
    mask = (column < n_prefix[:, None, None]) | ((column >= n_past) & (column - n_past <= row))
    return mask[:, None]


def _layer(layer, hidden, past_keys, past_values, mask, only=None):
    """One CLIPEncoderLayer over new tokens that attend to past keys and values as well as to each other:
    hidden (n, new, width) -> (hidden after the layer, the new tokens' keys, values (n, heads, new, head_dim)).
    only: (n,) one position per text whose output alone is wanted; the hidden returned is then (n, 1, width)."""
    attention = layer.self_attn
    n, new, _ = hidden.shape
    x = layer.layer_norm1(hidden)

    def heads(x, projection):  # (n, tokens, width) -> (n, heads, tokens, head_dim)
        return projection(x).view(n, -1, attention.num_heads, attention.head_dim).transpose(1, 2)
    keys, values = heads(x, attention.k_proj), heads(x, attention.v_proj)
    if only is not None:  # every token's keys and values, but queries (and all that follows) for one
        rows = torch.arange(n, device=hidden.device)
        hidden, x, mask = hidden[rows, only][:, None], x[rows, only][:, None], mask[rows, :, only][:, :, None]
    queries = heads(x, attention.q_proj)
    all_keys = torch.cat([past_keys, keys], dim=2)        # (n, heads, past + new, head_dim)
    all_values = torch.cat([past_values, values], dim=2)
    out = torch.nn.functional.scaled_dot_product_attention(queries, all_keys, all_values, attn_mask=mask,
                                                           scale=attention.scale)  # (n, heads, queries, head_dim)
    hidden = hidden + attention.out_proj(out.transpose(1, 2).reshape(n, queries.shape[2], -1))
    hidden = hidden + layer.mlp(layer.layer_norm2(hidden))
    return hidden, keys, values

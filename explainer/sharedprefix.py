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

    def past(self, prefix_ids):
        """prefix_ids: the shared tokens, start token first -> [(keys, values) per layer], each
        (1, heads, n_prefix, head_dim)."""
        ids = torch.tensor([prefix_ids], device=self.projection.weight.device)
        hidden = self.text.embeddings(input_ids=ids)  # (1, n_prefix, width)
        past = []
        for layer in self.text.encoder.layers:
            attention = layer.self_attn
            empty = hidden.new_zeros(1, attention.num_heads, 0, attention.head_dim)
            hidden, keys, values = _layer(layer, hidden, empty, empty, _causal(0, len(prefix_ids), hidden.device))
            past.append((keys, values))
        return past

    def run(self, past, n_prefix, rests):
        """rests: per text, its token ids after the prefix up to and including the pooled token (the tokens
        after it cannot change it); lengths may differ -> (n, projection_dim), projected and not normalised,
        as get_text_features' output."""
        width = max(map(len, rests))
        pad = rests[0][-1]  # any id: padding sits after the pooled token, which never sees it
        ids = torch.tensor([r + [pad] * (width - len(r)) for r in rests],
                           device=self.projection.weight.device)                  # (n, width)
        positions = torch.arange(n_prefix, n_prefix + width, device=ids.device)[None]  # absolute: after the prefix
        hidden = self.text.embeddings(input_ids=ids, position_ids=positions)       # (n, width, hidden)
        mask = _causal(n_prefix, width, ids.device)
        for layer, (keys, values) in zip(self.text.encoder.layers, past):
            hidden, _, _ = _layer(layer, hidden, keys, values, mask)
        pooled = torch.tensor([len(r) - 1 for r in rests], device=ids.device)     # (n,) each rest's last token
        last = hidden[torch.arange(len(rests), device=ids.device), pooled]         # (n, hidden)
        return self.projection(self.text.final_layer_norm(last))                   # (n, projection_dim)


def _causal(n_past, n_new, device):
    """(n_new, n_past + n_new) booleans, True where attention is allowed: every past token, and the new
    tokens up to and including itself."""
    row = torch.arange(n_new, device=device)[:, None]
    column = torch.arange(n_past + n_new, device=device)[None, :]
    return column <= row + n_past


def _layer(layer, hidden, past_keys, past_values, mask):
    """One CLIPEncoderLayer over new tokens that attend to past keys and values as well as to each other:
    hidden (n, new, width) -> (hidden after the layer, the new tokens' keys, values (n, heads, new, head_dim))."""
    attention = layer.self_attn
    n, new, _ = hidden.shape
    x = layer.layer_norm1(hidden)

    def heads(projection):  # (n, new, width) -> (n, heads, new, head_dim)
        return projection(x).view(n, new, attention.num_heads, attention.head_dim).transpose(1, 2)
    queries, keys, values = heads(attention.q_proj), heads(attention.k_proj), heads(attention.v_proj)
    all_keys = torch.cat([past_keys.expand(n, -1, -1, -1), keys], dim=2)        # (n, heads, past + new, head_dim)
    all_values = torch.cat([past_values.expand(n, -1, -1, -1), values], dim=2)
    out = torch.nn.functional.scaled_dot_product_attention(queries, all_keys, all_values, attn_mask=mask,
                                                           scale=attention.scale)  # (n, heads, new, head_dim)
    hidden = hidden + attention.out_proj(out.transpose(1, 2).reshape(n, new, -1))
    hidden = hidden + layer.mlp(layer.layer_norm2(hidden))
    return hidden, keys, values

// A figure's "already drawn" guard, the same for every figure: `const fresh = changed();` once, then in
// update(view) `if (!fresh(key)) return;`, where key says everything that part of the figure shows: a view that
// changes none of it draws nothing.
export function changed() {
  let drawn = changed;  // nothing drawn yet: no key is this function
  return (key) => {
    if (key === drawn) return false;
    drawn = key;
    return true;
  };
}

// Writes Tests/Fixtures/cxx/partial_sort.csv: how GNU libstdc++'s std::partial_sort orders
// tied keys. MatchIt's compiled nearest-neighbour code selects the k closest candidates with
// std::partial_sort, so Counterfactual reproduces its tie behaviour; this file is the reference.
//
//   g++ -O2 -std=c++17 Scripts/partial-sort-reference.cpp -o /tmp/psref && /tmp/psref > Tests/Fixtures/cxx/partial_sort.csv
//
// Each line: n;k;keys (space-separated);the first k indices after partial_sort (space-separated).
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

int main() {
    std::mt19937 rng(20261123);
    std::printf("n;k;keys;selected\n");
    for (int trial = 0; trial < 400; ++trial) {
        int n = 2 + static_cast<int>(rng() % 19);       // 2..20 candidates
        int k = 1 + static_cast<int>(rng() % (n - 1));  // 1..n-1 wanted
        int distinct = 1 + static_cast<int>(rng() % 4); // few distinct keys: many ties
        std::vector<double> key(n);
        for (auto& v : key) v = static_cast<double>(rng() % distinct) / 4.0;
        std::vector<int> ind(n);
        std::iota(ind.begin(), ind.end(), 0);
        std::partial_sort(ind.begin(), ind.begin() + k, ind.end(),
                          [&key](int a, int b) { return key[a] < key[b]; });
        std::printf("%d;%d;", n, k);
        for (int i = 0; i < n; ++i) std::printf(i ? " %g" : "%g", key[i]);
        std::printf(";");
        for (int i = 0; i < k; ++i) std::printf(i ? " %d" : "%d", ind[i]);
        std::printf("\n");
    }
    return 0;
}

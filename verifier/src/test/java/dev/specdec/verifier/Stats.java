package dev.specdec.verifier;

/** Goodness-of-fit helpers for the distribution tests. */
final class Stats {
    private Stats() {}

    /**
     * Pearson chi-square p-value of observed counts against expected probabilities. Cells with
     * expected count below 5 are pooled into one, as the test's approximation requires.
     */
    static double chiSquarePValue(long[] observed, double[] expectedProb) {
        long n = 0;
        for (long o : observed) n += o;
        double chi = 0, pooledE = 0;
        long pooledO = 0;
        int cells = 0;
        for (int i = 0; i < observed.length; i++) {
            double e = expectedProb[i] * n;
            if (e < 5) { pooledE += e; pooledO += observed[i]; continue; }
            chi += (observed[i] - e) * (observed[i] - e) / e;
            cells++;
        }
        if (pooledE > 0) {
            if (pooledE < 1e-12) {
                if (pooledO > 0) return 0;   // mass where the target has none
            } else {
                chi += (pooledO - pooledE) * (pooledO - pooledE) / pooledE;
                cells++;
            }
        }
        int df = cells - 1;
        return df <= 0 ? 1 : 1 - regularizedGammaP(df / 2.0, chi / 2.0);
    }

    /** P(a, x), the regularized lower incomplete gamma function (Numerical Recipes' series / fraction). */
    static double regularizedGammaP(double a, double x) {
        if (x <= 0) return 0;
        if (x < a + 1) {
            double sum = 1 / a, term = sum;
            for (int n = 1; n < 10_000; n++) {
                term *= x / (a + n);
                sum += term;
                if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
            }
            return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
        }
        double b = x + 1 - a, c = 1 / 1e-300, d = 1 / b, h = d;
        for (int i = 1; i < 10_000; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.abs(d) < 1e-300) d = 1e-300;
            c = b + an / c;
            if (Math.abs(c) < 1e-300) c = 1e-300;
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < 1e-15) break;
        }
        return 1 - Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
    }

    static double logGamma(double x) {
        double[] c = {76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5};
        double y = x, tmp = x + 5.5;
        tmp -= (x + 0.5) * Math.log(tmp);
        double ser = 1.000000000190015;
        for (double v : c) ser += v / ++y;
        return -tmp + Math.log(2.5066282746310005 * ser / x);
    }
}

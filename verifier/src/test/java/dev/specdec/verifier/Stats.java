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
            if (e < 5) {
                pooledE += e;
                pooledO += observed[i];
                continue;
            }
            chi += (observed[i] - e) * (observed[i] - e) / e;
            cells++;
        }
        if (pooledE > 0) {
            if (pooledE < 1e-12) {
                if (pooledO > 0) return 0; // mass where the target has none
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
        double[] c = {
            76.18009172947146,
            -86.50532032941677,
            24.01409824083091,
            -1.231739572450155,
            0.1208650973866179e-2,
            -0.5395239384953e-5
        };
        double y = x, tmp = x + 5.5;
        tmp -= (x + 0.5) * Math.log(tmp);
        double ser = 1.000000000190015;
        for (double v : c) ser += v / ++y;
        return -tmp + Math.log(2.5066282746310005 * ser / x);
    }

    /** The critical value c with P(chi2_df > c) = alpha (bisection on the central CDF). */
    static double chiSquareCritical(int df, double alpha) {
        double lo = 0, hi = df + 100 + 20 * Math.sqrt(df);
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (1 - regularizedGammaP(df / 2.0, mid / 2) > alpha) lo = mid;
            else hi = mid;
        }
        return (lo + hi) / 2;
    }

    /**
     * Power of a chi-square test with {@code df} degrees of freedom at level alpha against an
     * alternative with non-centrality lambda: P(noncentral chi2(df, lambda) > critical value), the
     * non-central CDF as the Poisson(lambda / 2) mixture of central CDFs with df + 2j.
     */
    static double chiSquarePower(int df, double lambda, double alpha) {
        double c = chiSquareCritical(df, alpha);
        double cdf = 0, weight = Math.exp(-lambda / 2);
        int mode = (int) (lambda / 2);
        // sum the Poisson weights around their mode, in log space for large lambda
        for (int j = Math.max(0, mode - 2000); j <= mode + 2000; j++) {
            double logW = -lambda / 2 + j * Math.log(lambda / 2 + 1e-300) - logGamma(j + 1.0);
            weight = Math.exp(logW);
            if (weight < 1e-16 && j > mode) break;
            cdf += weight * regularizedGammaP((df + 2.0 * j) / 2, c / 2);
        }
        return 1 - cdf;
    }

    /** Two-sided p-value of a binomial count x out of n against rate r (normal approximation). */
    static double binomialPValue(long x, long n, double r) {
        double sd = Math.sqrt(n * r * (1 - r));
        if (sd == 0) return x == Math.round(n * r) ? 1 : 0;
        double z = Math.abs(x - n * r) / sd;
        return erfc(z / Math.sqrt(2));
    }

    /** Power of that test at level alpha when the true rate is r1 instead of r0. */
    static double binomialPower(long n, double r0, double r1, double alpha) {
        double zc = normalQuantile(1 - alpha / 2);
        double sd0 = Math.sqrt(n * r0 * (1 - r0)), sd1 = Math.sqrt(n * r1 * (1 - r1));
        double hi = (n * r0 + zc * sd0 - n * r1) / sd1, lo = (n * r0 - zc * sd0 - n * r1) / sd1;
        return 1 - (normalCdf(hi) - normalCdf(lo));
    }

    static double normalCdf(double z) {
        return 0.5 * erfc(-z / Math.sqrt(2));
    }

    static double normalQuantile(double p) {
        double lo = -40, hi = 40;
        for (int i = 0; i < 200; i++) {
            double m = (lo + hi) / 2;
            if (normalCdf(m) < p) lo = m;
            else hi = m;
        }
        return (lo + hi) / 2;
    }

    /** erfc through the regularized gamma function: erfc(x) = 1 - P(1/2, x^2) for x >= 0. */
    static double erfc(double x) {
        return x >= 0 ? 1 - regularizedGammaP(0.5, x * x) : 1 + regularizedGammaP(0.5, x * x);
    }
}

package cn.tongban.signaling.sim;

/**
 * The M/M/c queue's waiting time (Erlang C): Poisson arrivals at rate λ, c servers, exponential service
 * at rate μ each, first come first served, offered load a = λ/μ < c.
 *
 * <pre>
 *   C(c, a)  = (a^c / c!) · c/(c − a)  /  ( Σ_{k<c} a^k / k!  +  (a^c / c!) · c/(c − a) )
 *   P(W > t) = C · e^{−(cμ − λ) t}
 *   E[W]     = C / (cμ − λ)
 * </pre>
 */
record ErlangC(int servers, double arrivalRate, double serviceRate) {

    ErlangC {
        if (servers < 1 || arrivalRate <= 0 || serviceRate <= 0 || arrivalRate >= servers * serviceRate) {
            throw new IllegalArgumentException("needs c ≥ 1 and λ < cμ");
        }
    }

    /** Probability that an arrival waits at all. */
    double probabilityOfWaiting() {
        double a = arrivalRate / serviceRate;
        // Terms a^k/k! built iteratively to stay within double range for any sensible c.
        double term = 1;
        double sum = 0;
        for (int k = 0; k < servers; k++) {
            sum += term;
            term *= a / (k + 1);
        }
        double top = term * servers / (servers - a);
        return top / (sum + top);
    }

    /** Mean wait before service, in the time unit of the rates. */
    double meanWait() {
        return probabilityOfWaiting() / (servers * serviceRate - arrivalRate);
    }

    /** The q-quantile of the wait (0 when at least a fraction q of arrivals does not wait). */
    double waitQuantile(double q) {
        double c = probabilityOfWaiting();
        if (1 - q >= c) {
            return 0;
        }
        return Math.log(c / (1 - q)) / (servers * serviceRate - arrivalRate);
    }
}

# Reference values for tests/indicators/test_stats.py, produced with R (stats package).
# Run: Rscript make_reference.R   (writes the *_reference.csv files here; CI never needs R)
set.seed(20261121)
n <- 400
k1 <- rpois(n, sample(c(0.5, 3, 12, 60, 400), n, replace = TRUE))
k2 <- rpois(n, sample(c(0.5, 3, 12, 60, 400), n, replace = TRUE))
e1 <- round(runif(n, 1000, 200000))
e2 <- ifelse(runif(n) < 0.3, e1, round(runif(n, 1000, 200000)))
rows <- lapply(seq_len(n), function(i) {
  ci <- poisson.test(k1[i])$conf.int
  p <- if (k1[i] + k2[i] > 0) poisson.test(c(k1[i], k2[i]), c(e1[i], e2[i]))$p.value else 1
  data.frame(k1 = k1[i], k2 = k2[i], e1 = e1[i], e2 = e2[i],
             lower = ci[1], upper = ci[2], p_value = p)
})
out <- do.call(rbind, rows)
# 90% intervals for a few counts
write.csv(out, "poisson_reference.csv", row.names = FALSE)
ci90 <- t(sapply(0:30, function(k) poisson.test(k, conf.level = 0.9)$conf.int))
write.csv(data.frame(k = 0:30, lower = ci90[, 1], upper = ci90[, 2]),
          "poisson_ci90_reference.csv", row.names = FALSE)
# Exact two-sided binomial tests with few events (the outcome-by-outcome path of stats.py),
# ties included (p = 1/2, equal populations)
set.seed(20261122)
m <- 300
bn <- sample(1:40, m, replace = TRUE)
bp <- ifelse(runif(m) < 0.3, 0.5, runif(m, 0.02, 0.98))
bx <- rbinom(m, bn, bp)
bx <- ifelse(runif(m) < 0.2, sample(0:40, m, replace = TRUE) %% (bn + 1), bx)
bpv <- mapply(function(x, n, p) binom.test(x, n, p)$p.value, bx, bn, bp)
write.csv(data.frame(x = bx, n = bn, p = sprintf("%.17g", bp), p_value = sprintf("%.17g", bpv)),
          "binom_small_reference.csv", row.names = FALSE, quote = FALSE)
# Exact two-sided binomial tests with extreme p (1e-6 … 1 − 1e-6, mirrored), n up to 2000, half
# with x far in a tail: probabilities down to the smallest doubles, where stats.py's linear-space
# sum falls back to logarithms (probability of x below 1e-200)
set.seed(20261123)
m <- 600
en <- ifelse(runif(m) < 0.8, sample(1:128, m, replace = TRUE), sample(129:2000, m, replace = TRUE))
ep <- 10^runif(m, -6, log10(0.5))
ep <- ifelse(runif(m) < 0.5, ep, 1 - ep)
eu <- runif(m)
far <- ifelse(ep < 0.5, pmin(en, floor(en * ep + eu * en)), pmax(0, ceiling(en * ep - eu * en)))
ex <- ifelse(runif(m) < 0.5, far, floor(runif(m) * (en + 1)))
epv <- mapply(function(x, n, p) binom.test(x, n, p)$p.value, ex, en, ep)
write.csv(data.frame(x = ex, n = en, p = sprintf("%.17g", ep), p_value = sprintf("%.17g", epv)),
          "binom_extreme_reference.csv", row.names = FALSE, quote = FALSE)

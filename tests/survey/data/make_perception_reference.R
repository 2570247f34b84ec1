# Reference values for the perception and trust indicators on a synthetic table shaped like
# ENVIPE's TPer_Vic1 (perception_synthetic.csv, made with numpy seed 2021 in this session and
# committed). R survey 4.1.1, run locally (R is not needed in CI).
suppressMessages(library(survey)); options(survey.lonely.psu="adjust", digits=15)
p <- read.csv("perception_synthetic.csv", colClasses="character"); p[is.na(p)] <- ""
p$w <- as.numeric(p$FAC_ELE); p$state <- substr(p$UPM, 1, 2)
for (k in 1:3) p[[paste0("unsafe", k)]] <- as.numeric(p[[paste0("AP4_3_", k)]] == "2")
for (a in sprintf("%02d", 1:10)) p[[paste0("trust", a)]] <- as.numeric(p[[paste0("AP5_4_", a)]] %in% c("1", "2"))
d <- svydesign(ids=~UPM_DIS, strata=~EST_DIS, weights=~w, data=p, nest=TRUE)
out <- list()
add <- function(case, m) out[[length(out) + 1]] <<- data.frame(case=case, est=unname(coef(m)), se=unname(SE(m)))
for (k in 1:3) add(paste0("unsafe", k), svymean(as.formula(paste0("~unsafe", k)), d))
for (a in sprintf("%02d", 1:10)) add(paste0("trust", a), svymean(as.formula(paste0("~trust", a)),
                                     subset(d, get(paste0("AP5_3_", a)) == "1")))
b <- svyby(~unsafe3, ~state, d, svymean)
for (s in b$state) out[[length(out) + 1]] <- data.frame(case=paste0("unsafe3_", s), est=b[s, "unsafe3"], se=b[s, "se"])
b <- svyby(~trust09, ~state, subset(d, AP5_3_09 == "1"), svymean)
for (s in b$state) out[[length(out) + 1]] <- data.frame(case=paste0("trust09_", s), est=b[s, "trust09"], se=b[s, "se"])
write.csv(do.call(rbind, out), "perception_r_reference.csv", row.names=FALSE)

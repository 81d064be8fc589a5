"""Seeded generator of synthetic registers and claims with ground truth (only synthetic people, ever).

Owns:
- `generate_population(n, seed)`: a register of `n` synthetic people in the SPEC population columns:
  three-generation lineages of northern-origin minority families (Mông, Dao, Tày, Nùng, Sán Chỉ) who
  migrated to Đắk Lắk since the 1990s, plus Kinh families; the older generation often still registered in
  the home province as separate households; realistic name repetition, partial birth dates, hometowns
  written with old and new unit names, 12-digit citizen ids (Circular 59/2021) or legacy 9-digit ids.
- `generate_claims(population, n, seed, mix)`: claims in SPEC JSONL form with ground truth, of three kinds
  (`registered`, `absent_relatives`, `absent`), corrupted as in life and tagged by corruption.
- `write_dataset(out_dir, people, claims, seed)`: population.parquet/.csv, claims.jsonl, claims.csv (flat
  form of the same claims), truth.csv.
- `flatten_claims(claims)`: the SPEC flat CSV form; `CORRUPTION_TAGS`: every tag truth.corruptions can hold.
- `WorldConfig`: the knobs of a world (name repetition, registration rate, corruption, claim richness,
  registry year errors, household books left in the home commune, claims without surname, rotated and
  teknonym names, other relations). `WorldConfig()` is the widened world of issue 10 that benchmarks use;
  `config=None` / `WorldConfig.legacy()` is the generator before it, bit for bit (data/samples).

Unregistered claimants are people who never were in the register (an unregistered child of a registered
couple; the parent of a married-in spouse, known to the register only as a name on the child's record;
whole families outside it), so the population you generate is exactly the one to index. True family
links of generated registers stay in memory only (never in the frame); `generate_claims(...,
population_seed=)` recovers them for a register read back from a file.

Speed (one core): about 5 s CPU for 200k people, 23 s for 1M (per-household Python, no per-row polars).

Name lists were taken at development time from shared research notes (vn_name_facts.json: surname
shares "estimate C" for Đắk Lắk, Hmong clans and given-name tokens, Dao generation middle names,
Tày–Nùng surnames) and are embedded below; the library never reads them at run time.

Determinism: everything is drawn from `random.Random(seed)` streams in a fixed order, so the same
arguments give identical frames and files. No network, no personal data.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import os
import random
import unicodedata
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import polars as pl

__all__ = [
    "WorldConfig", "ClaimMix", "generate_population", "generate_claims", "write_dataset", "flatten_claims",
    "POPULATION_COLUMNS", "TRUTH_COLUMNS", "CORRUPTION_TAGS",
]

POPULATION_COLUMNS = (
    "person_id", "full_name", "sex", "birth_date", "ethnicity", "hometown", "residence",
    "household_id", "relation_to_head", "father_name", "mother_name", "spouse_name",
    "father_id", "mother_id", "spouse_id",
)
TRUTH_COLUMNS = ("claim_id", "kind", "person_id", "relative_ids", "household_id", "corruptions")

# Every tag generate_claims can put in truth.corruptions (for per-corruption recall in benchmarks).
CORRUPTION_TAGS = (
    # name form
    "name_full", "name_usual", "name_given_only", "name_no_middle", "name_middle_changed",
    # spelling
    "no_diacritics", "dialect", "typo", "surname_variant", "tone_by_ear", "nfd",
    # birth information
    "by_date", "by_year", "by_year_wrong", "by_age", "by_range", "by_zodiac", "by_age_zodiac", "by_unknown",
    # hometown
    "ht_same", "ht_province", "ht_old_name", "ht_2025_name", "ht_neighbour", "ht_district_only", "ht_missing",
    # other fields
    "sex_missing", "ethnicity_missing", "ethnicity_variant", "alias_teknonym", "alias_usual",
    "rel_0", "rel_1", "rel_2", "rel_3", "rel_4", "rel_names_corrupted",
    # how an unregistered claimant relates to the register (kind absent_relatives only)
    "src_unregistered_child", "src_inlaw_parent",
    # widened world (WorldConfig): name forms, other relations, register facts that disagree with life
    "name_no_surname", "name_rotated", "name_teknonym", "rel_other", "reg_year_error", "reg_book_elsewhere",
)
# Relations beyond the five the register can check, as claimants say them (SPEC §2 accepts them).
OTHER_RELATIONS = ("grandparent", "grandchild", "uncle", "aunt", "cousin", "ông", "bà", "chú", "bác", "cô",
                   "dì", "cậu", "anh họ", "chị họ")

REF_YEAR = 2025  # "today" of the synthetic world


# =========================================================================== embedded lists
# Weighted lists are (value, weight) pairs; weights need not sum to 1.

KINH_SURNAMES = [  # estimate C (Đắk Lắk sample, hoten.org DKL01) from vn_name_facts.json
    ("Nguyễn", 29.64), ("Trần", 10.14), ("Lê", 8.37), ("Phạm", 5.93), ("Hoàng", 4.06), ("Huỳnh", 1.62),
    ("Phan", 3.18), ("Vũ", 1.99), ("Võ", 2.57), ("Đặng", 1.9), ("Bùi", 2.68), ("Đỗ", 1.78), ("Hồ", 2.17),
    ("Ngô", 1.58), ("Dương", 1.23), ("Lý", 0.49), ("Trương", 1.68), ("Đinh", 1.55), ("Trịnh", 1.01),
    ("Mai", 0.98), ("Hà", 0.97), ("Đoàn", 0.93), ("Lương", 0.89), ("Cao", 0.86), ("Đào", 0.76),
    ("Lưu", 0.51), ("Triệu", 0.49), ("Phùng", 0.37), ("Đàm", 0.36), ("Chu", 0.33), ("Văn", 0.33),
    ("Thái", 0.3), ("Lâm", 0.29), ("Tạ", 0.28), ("Vương", 0.27), ("Tô", 0.26), ("Hứa", 0.23),
    ("Đậu", 0.22), ("Châu", 0.22), ("Quách", 0.15), ("Lại", 0.14), ("Tống", 0.13), ("La", 0.12),
    ("Kiều", 0.1), ("Thân", 0.09), ("Tăng", 0.08), ("Từ", 0.07), ("Bạch", 0.065),
]
KINH_MIDDLE_M = [("Văn", 45), ("Hữu", 5), ("Đức", 6), ("Công", 4), ("Quang", 4), ("Minh", 5), ("Xuân", 3),
                 ("Thanh", 3), ("Đình", 4), ("Trọng", 2), ("Quốc", 3), ("Duy", 2), ("Tiến", 2), ("Mạnh", 1),
                 ("Thế", 2), ("Ngọc", 2), ("Anh", 2), ("Bá", 1), ("Khắc", 1), ("Tấn", 2), ("Viết", 1)]
KINH_MIDDLE_F = [("Thị", 55), ("Ngọc", 6), ("Thu", 4), ("Thanh", 4), ("Kim", 4), ("Thúy", 2), ("Mai", 2),
                 ("Phương", 2), ("Minh", 2), ("Hồng", 3), ("Bích", 2), ("Mỹ", 2), ("Xuân", 2), ("Hoài", 1),
                 ("Khánh", 1), ("Quỳnh", 1), ("Bảo", 1), ("Tuyết", 1)]
KINH_GIVEN_M = ["Hùng", "Dũng", "Tuấn", "Minh", "Hải", "Nam", "Thành", "Sơn", "Long", "Phúc", "Cường", "Quang",
                "Hưng", "Trung", "Thắng", "Tùng", "Việt", "Đức", "Bình", "Hoàng", "Hiếu", "Khánh", "Phong",
                "Tâm", "Toàn", "Thanh", "Huy", "Lâm", "Lợi", "An", "Tài", "Thịnh", "Tiến", "Vinh", "Hòa",
                "Quý", "Tú", "Kiên", "Đạt", "Nghĩa", "Chiến", "Hạnh", "Lực", "Sang", "Tín", "Trường", "Dương",
                "Hậu", "Thiện", "Duy"]
KINH_GIVEN_F = ["Lan", "Hương", "Hoa", "Hằng", "Linh", "Mai", "Thảo", "Trang", "Hà", "Nga", "Huyền", "Loan",
                "Thủy", "Yến", "Nhung", "Phương", "Hạnh", "Dung", "Thu", "Hồng", "Ngọc", "Anh", "Vân",
                "Oanh", "Liên", "Tuyết", "Hiền", "Thơm", "Lý", "Nhàn", "Hòa", "Bình", "Xuân", "Quyên", "Diệp",
                "Thanh", "Hạnh", "Nhi", "Vy", "Uyên", "Chi", "Giang", "My", "Duyên", "Tâm", "Lụa", "Cúc",
                "Đào", "Sen", "Mơ"]

# Hmong clans (solid list in the notes) with skewed shares (our assumption, not a census).
HMONG_CLANS = [("Giàng", 20), ("Vàng", 13), ("Sùng", 12), ("Thào", 11), ("Lý", 9), ("Hầu", 7), ("Mùa", 6),
               ("Lầu", 5), ("Vừ", 5), ("Tráng", 4), ("Cứ", 3), ("Hạng", 2), ("Chá", 1.5), ("Phàng", 1.5)]
HMONG_MIDDLE_M = [("A", 82), ("Seo", 9), ("Mí", 4), ("Văn", 5)]
HMONG_GIVEN_M = ["Páo", "Tủa", "Súa", "Lử", "Lềnh", "Chống", "Cháng", "Sính", "Dính", "Pó", "Chư", "Dơ",
                 "Khứ", "Sấu", "Thán", "Nọ", "Dếnh", "Váng", "Phử", "Tế", "Phềnh", "Hủ", "Chiều", "Lồng",
                 "Pháo", "Say", "Trỉa", "Vư"]
HMONG_GIVEN_F = ["Mỷ", "Mai", "Dua", "Sua", "Sông", "Dở", "Dế", "Mỵ", "Pa", "Súa", "Lúa", "Sầu", "Bông",
                 "Chi", "Say", "Sinh", "Dợ", "Hoa", "Cở", "Mang"]

DAO_SURNAMES = [("Bàn", 30), ("Triệu", 25), ("Đặng", 12), ("Lý", 10), ("Chảo", 6), ("Phùng", 6),
                ("Tẩn", 5), ("Chúc", 3), ("Lưu", 3)]
DAO_GENERATIONS = {  # clan → generation cycle of male middle names (báo Tuyên Quang examples)
    "Bàn": ["Văn", "Lộc", "Thành", "Kim", "Tài", "Nguyên", "Hữu"],
    "Triệu": ["Văn", "Minh", "Kim", "Tiến", "Xuân"],
    "Phùng": ["Dùng", "Thanh", "Xuân", "Văn", "Kim", "Chang"],
    "Lý": ["Vinh", "Nguyên", "Phượng", "Tiến", "Quý"],
    "Chúc": ["Ỳ", "Đức", "Thông", "Minh", "Phùng"],
    "Đặng": ["Văn", "Kim", "Tiến", "Xuân", "Minh"],
    "Chảo": ["Láo", "Văn", "Kim", "Tả", "Seo"],
    "Tẩn": ["Tả", "Văn", "Kim", "Láo", "Seo"],
    "Lưu": ["Văn", "Kim", "Xuân", "Tiến", "Minh"],
}
DAO_GIVEN_M = ["Tài", "Quý", "Sinh", "Phú", "Chàn", "Vần", "Dào", "Lở", "Phẩy", "Quẩy", "Nhậy", "Kiều",
               "Chiêu", "Thắng", "Lình", "Phin", "Mẩy", "Sành", "Tòng", "Hin"]
DAO_GIVEN_F = ["Mẩy", "Dảo", "Xuân", "Mai", "Nái", "Liều", "Chạn", "Phương", "Dung", "Hoa", "Sai", "Chòi",
               "Muôn", "Nhất", "Lai"]

TAY_NUNG_SURNAMES = [("Hoàng", 20), ("Nông", 18), ("Lục", 8), ("Lương", 7), ("Vi", 5), ("Vy", 1),
                     ("Ma", 6), ("Mã", 4), ("Hà", 6), ("Bế", 5), ("Đàm", 4), ("Triệu", 4), ("Lý", 3),
                     ("Chu", 2), ("Sầm", 2), ("La", 2), ("Lâm", 2), ("Mông", 1), ("Ngân", 1), ("Dương", 2),
                     ("Nguyễn", 3)]
TAY_NUNG_GIVEN_M = ["Thắng", "Hùng", "Vần", "Pảo", "Sáng", "Kiên", "Lợi", "Tình", "Phúc", "Toàn", "Chiến",
                    "Dũng", "Hưng", "Tuấn", "Cường", "Bình", "Sơn", "Thái", "Lâm", "Kiểm", "Khoa", "Quyết"]
TAY_NUNG_GIVEN_F = ["Lan", "Mai", "Hoa", "Hương", "Thắm", "Nga", "Dung", "Hạnh", "Liên", "Nhung", "Thảo",
                    "Xuân", "Phượng", "Duyên", "Tươi", "Làn", "Phấn", "Ngần", "Mến", "Thơm"]
# Sán Chỉ surnames are not verified in the notes: these are plausible Sán Chay surnames, marked as such.
SAN_CHI_SURNAMES = [("Lâm", 20), ("Trần", 15), ("Hoàng", 15), ("Lý", 12), ("Tạ", 10), ("Đặng", 8),
                    ("La", 8), ("Ninh", 6), ("Vi", 6)]

# More given names (WorldConfig.extra_given_names): heard in the provinces, written the way a clerk would;
# appended after the lists above, so they are the rarer ones under the Zipf shares. Several collide with
# clan or surname spellings (Vừ, Lầu, Hoàng ...), as real given names do.
EXTRA_GIVEN = {
    "hmong": {"M": ["Chứ", "Sử", "Chua", "Chính", "Thề", "Dình", "Xá", "Sình", "Cáng", "Nhà", "Giống",
                    "Chinh", "Pàng", "Vừ", "Lầu", "Mua", "Tồng", "Xì", "Nủ", "Cở", "Thái", "Seo", "Sùng",
                    "Ly", "Phình", "Kỷ", "Làng", "Chu", "Ca", "Dũng"],
              "F": ["Chía", "Mây", "Dình", "Pàng", "Xia", "Máy", "Chùa", "Sú", "Dúa", "Lia", "Xua", "Nhìa",
                    "Pà", "Chở", "Mẩy", "Dợ", "Sí", "Xí", "Dung", "Lan", "Ma", "Thu"]},
    "dao": {"M": ["Chòi", "Phủ", "Tả", "Chạn", "Phâm", "Lưu", "Sơn", "Vảng", "Quyết", "Chỉn", "Diu", "Kiềm",
                  "Phấu", "Sằn", "Dìn"],
            "F": ["Chiêm", "Nhàn", "Mây", "Xiêm", "Chẻo", "Phây", "Sấy", "Nải", "Dìn", "Quẩy"]},
    "tay_nung": {"M": ["Slam", "Lình", "Nhất", "Vằn", "Pấu", "Hin", "Toản", "Khiêm", "Đoàn", "Chắn", "Thểnh",
                       "Nông", "Bảo", "Quân"],
                 "F": ["Slao", "Nhình", "Mẩy", "Dìn", "Pắt", "Pheo", "Ngoan", "Thìn", "Lụa", "Hiên", "Vui"]},
    "kinh": {"M": ["Bảo", "Khoa", "Lộc", "Nhân", "Phát", "Quân", "Sỹ", "Thông", "Trí", "Vũ", "Khải", "Định",
                   "Hoan", "Luân", "Tịnh", "Ngọc", "Nguyên", "Thái", "Hoàng", "Lê", "Phương", "Giang", "Tuyên"],
             "F": ["Ánh", "Diễm", "Hạ", "Khuê", "Ly", "Ngân", "Quế", "Thắm", "Trâm", "Tú", "Vi", "Xuyến", "Hảo",
                   "Lệ", "Tình", "Châu", "Trinh", "Hoàng", "Phượng", "Lài", "Mận", "Gấm"]},
}

ETHNICITY_SHARES = [("Kinh", 40), ("Mông", 32), ("Dao", 8), ("Tày", 8), ("Nùng", 9), ("Sán Chỉ", 3)]

# Home provinces: key → (name, citizen-id code, old names (registered before), 2025 name, neighbours)
PROVINCES = {
    "ha_giang": ("Hà Giang", "002", ["Hà Tuyên"], "Tuyên Quang", ["lao_cai", "cao_bang", "tuyen_quang"]),
    "tuyen_quang": ("Tuyên Quang", "008", ["Hà Tuyên"], "Tuyên Quang", ["ha_giang", "yen_bai", "bac_kan"]),
    "lao_cai": ("Lào Cai", "010", ["Hoàng Liên Sơn"], "Lào Cai", ["ha_giang", "yen_bai", "lai_chau"]),
    "yen_bai": ("Yên Bái", "015", ["Hoàng Liên Sơn"], "Lào Cai", ["lao_cai", "tuyen_quang", "son_la"]),
    "cao_bang": ("Cao Bằng", "004", ["Cao Lạng"], "Cao Bằng", ["ha_giang", "lang_son", "bac_kan"]),
    "lang_son": ("Lạng Sơn", "020", ["Cao Lạng"], "Lạng Sơn", ["cao_bang", "bac_kan"]),
    "bac_kan": ("Bắc Kạn", "006", ["Bắc Thái"], "Thái Nguyên", ["cao_bang", "tuyen_quang", "lang_son"]),
    "lai_chau": ("Lai Châu", "012", ["Lai Châu"], "Lai Châu", ["lao_cai", "son_la"]),
    "son_la": ("Sơn La", "014", ["Sơn La"], "Sơn La", ["yen_bai", "lai_chau"]),
    "thai_binh": ("Thái Bình", "034", ["Thái Bình"], "Hưng Yên", ["nam_dinh", "hai_duong"]),
    "nam_dinh": ("Nam Định", "036", ["Hà Nam Ninh"], "Ninh Bình", ["thai_binh", "thanh_hoa"]),
    "hai_duong": ("Hải Dương", "030", ["Hải Hưng"], "Hải Phòng", ["thai_binh", "nam_dinh"]),
    "thanh_hoa": ("Thanh Hóa", "038", ["Thanh Hóa"], "Thanh Hóa", ["nghe_an", "nam_dinh"]),
    "nghe_an": ("Nghệ An", "040", ["Nghệ Tĩnh"], "Nghệ An", ["ha_tinh", "thanh_hoa"]),
    "ha_tinh": ("Hà Tĩnh", "042", ["Nghệ Tĩnh"], "Hà Tĩnh", ["nghe_an", "quang_binh"]),
    "quang_binh": ("Quảng Bình", "044", ["Bình Trị Thiên"], "Quảng Trị", ["ha_tinh"]),
    "quang_nam": ("Quảng Nam", "049", ["Quảng Nam – Đà Nẵng"], "Đà Nẵng", ["quang_ngai"]),
    "quang_ngai": ("Quảng Ngãi", "051", ["Nghĩa Bình"], "Quảng Ngãi", ["quang_nam", "binh_dinh"]),
    "binh_dinh": ("Bình Định", "052", ["Nghĩa Bình"], "Gia Lai", ["quang_ngai"]),
}
# Districts and communes of the home provinces (real unit names; people are synthetic).
HOME_PLACES = {
    "ha_giang": {"Đồng Văn": ["Sủng Là", "Lũng Cú", "Phố Bảng", "Sà Phìn", "Lũng Phìn"],
                 "Mèo Vạc": ["Pải Lủng", "Sơn Vĩ", "Xín Cái", "Pả Vi"],
                 "Yên Minh": ["Mậu Duệ", "Lao Và Chải", "Na Khê"],
                 "Quản Bạ": ["Tùng Vài", "Cán Tỷ", "Thanh Vân"],
                 "Hoàng Su Phì": ["Thàng Tín", "Bản Luốc"]},
    "tuyen_quang": {"Na Hang": ["Sơn Phú", "Khâu Tinh"], "Chiêm Hóa": ["Yên Nguyên", "Tân Mỹ"],
                    "Lâm Bình": ["Thượng Lâm", "Hồng Quang"]},
    "lao_cai": {"Bắc Hà": ["Bản Phố", "Tả Van Chư", "Lùng Phình"], "Sa Pa": ["Tả Van", "Lao Chải", "Tả Phìn"],
                "Si Ma Cai": ["Sín Chéng", "Cán Cấu"], "Mường Khương": ["Pha Long", "Dìn Chin"],
                "Bát Xát": ["Y Tý", "A Lù"]},
    "yen_bai": {"Mù Cang Chải": ["Chế Cu Nha", "La Pán Tẩn", "Khao Mang"], "Trạm Tấu": ["Bản Công", "Xà Hồ"],
                "Văn Chấn": ["Suối Giàng", "Nậm Búng"], "Lục Yên": ["Khánh Hòa", "Tân Lập"]},
    "cao_bang": {"Bảo Lạc": ["Cốc Pàng", "Hưng Đạo"], "Hà Quảng": ["Lũng Nặm", "Vần Dính"],
                 "Nguyên Bình": ["Ca Thành", "Phan Thanh"], "Trùng Khánh": ["Đình Phong", "Chí Viễn"],
                 "Hòa An": ["Đức Long", "Dân Chủ"]},
    "lang_son": {"Cao Lộc": ["Thụy Hùng", "Gia Cát"], "Văn Lãng": ["Tân Mỹ", "Hội Hoan"],
                 "Tràng Định": ["Đào Viên", "Kháng Chiến"], "Bình Gia": ["Hoa Thám", "Thiện Thuật"]},
    "bac_kan": {"Ba Bể": ["Nam Mẫu", "Cao Thượng"], "Ngân Sơn": ["Vân Tùng", "Bằng Vân"],
                "Pác Nặm": ["Bộc Bố", "Nhạn Môn"]},
    "lai_chau": {"Sìn Hồ": ["Pa Tần", "Tả Phìn"], "Phong Thổ": ["Sì Lở Lầu", "Mù Sang"]},
    "son_la": {"Bắc Yên": ["Háng Đồng", "Xím Vàng"], "Mộc Châu": ["Chiềng Hắc", "Tân Lập"]},
    "thai_binh": {"Vũ Thư": ["Minh Lãng", "Song An"], "Kiến Xương": ["Vũ Lễ", "Bình Nguyên"]},
    "nam_dinh": {"Hải Hậu": ["Hải Minh", "Hải Đường"], "Giao Thủy": ["Giao Tiến", "Hồng Thuận"]},
    "hai_duong": {"Thanh Hà": ["Thanh Xá", "Tân An"], "Ninh Giang": ["Hồng Đức", "Ứng Hòe"]},
    "thanh_hoa": {"Hoằng Hóa": ["Hoằng Lộc", "Hoằng Đạo"], "Nông Cống": ["Trung Chính", "Tế Lợi"]},
    "nghe_an": {"Nghi Lộc": ["Nghi Phong", "Nghi Xuân"], "Quỳnh Lưu": ["Quỳnh Hậu", "Quỳnh Thạch"],
                "Kỳ Sơn": ["Mường Lống", "Huồi Tụ"]},
    "ha_tinh": {"Can Lộc": ["Thiên Lộc", "Kim Song Trường"], "Đức Thọ": ["Tùng Ảnh", "Lâm Trung Thủy"]},
    "quang_binh": {"Lệ Thủy": ["Phong Thủy", "Sen Thủy"], "Quảng Ninh": ["Vạn Ninh", "Hàm Ninh"]},
    "quang_nam": {"Duy Xuyên": ["Duy Phước", "Duy Thành"], "Điện Bàn": ["Điện Minh", "Điện Phong"]},
    "quang_ngai": {"Tư Nghĩa": ["Nghĩa Kỳ", "Nghĩa Thắng"], "Mộ Đức": ["Đức Lân", "Đức Chánh"]},
    "binh_dinh": {"Phù Mỹ": ["Mỹ Chánh", "Mỹ Thọ"], "Hoài Nhơn": ["Hoài Sơn", "Hoài Châu"]},
}
HOME_BY_ETHNICITY = {
    "Mông": [("ha_giang", 35), ("lao_cai", 20), ("yen_bai", 15), ("cao_bang", 12), ("lai_chau", 5),
             ("son_la", 5), ("tuyen_quang", 4), ("nghe_an", 4)],
    "Dao": [("lao_cai", 25), ("yen_bai", 20), ("ha_giang", 20), ("tuyen_quang", 20), ("bac_kan", 10),
            ("cao_bang", 5)],
    "Tày": [("cao_bang", 30), ("lang_son", 25), ("bac_kan", 20), ("tuyen_quang", 15), ("ha_giang", 10)],
    "Nùng": [("lang_son", 40), ("cao_bang", 40), ("ha_giang", 10), ("bac_kan", 10)],
    "Sán Chỉ": [("cao_bang", 40), ("lang_son", 30), ("tuyen_quang", 20), ("bac_kan", 10)],
    "Kinh": [("thai_binh", 18), ("nam_dinh", 12), ("nghe_an", 15), ("ha_tinh", 10), ("quang_nam", 12),
             ("quang_ngai", 10), ("binh_dinh", 8), ("thanh_hoa", 8), ("hai_duong", 4), ("quang_binh", 3)],
}
# Đắk Lắk districts/communes where migrants live (real unit names).
DAK_LAK_PLACES = {
    "Ea Súp": ["Cư Kbang", "Ea Rốk", "Ia Lốp", "Cư M'Lan", "Ea Lê", "Ea Bung", "Ya Tờ Mốt", "Ia Rvê"],
    "Krông Bông": ["Cư Pui", "Yang Mao", "Hòa Phong", "Cư Đrăm"],
    "M'Đrắk": ["Cư San", "Krông Á", "Ea Trang", "Cư Prao"],
    "Ea H'leo": ["Ea Sol", "Ea Hiao", "Cư Mốt"],
    "Krông Năng": ["Ea Tam", "Cư Klông", "Ea Puk"],
    "Buôn Đôn": ["Krông Na", "Ea Huar"],
    "Cư M'gar": ["Ea Kiết", "Cư Dliê M'nông", "Ea M'Đroh"],
    "Krông Pắc": ["Ea Kly", "Phước An", "Ea Phê"],
    "Buôn Ma Thuột": ["Tân Lợi", "Ea Tam", "Tân An", "Hòa Thắng"],
}
MIGRANT_DISTRICTS = {"minority": [("Ea Súp", 40), ("Krông Bông", 18), ("M'Đrắk", 18), ("Ea H'leo", 10),
                                  ("Krông Năng", 8), ("Buôn Đôn", 6)],
                     "kinh": [("Buôn Ma Thuột", 30), ("Krông Pắc", 20), ("Cư M'gar", 20), ("Krông Năng", 10),
                              ("Ea H'leo", 8), ("Ea Súp", 7), ("M'Đrắk", 5)]}
DAK_LAK_CODE = "066"

ZODIAC = ["Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi"]
ETHNICITY_VARIANTS = {"Mông": ["Hmong", "H'Mông", "Mèo", "Mong", "mông"], "Dao": ["Dao đỏ", "Dao tiền", "dao"],
                      "Tày": ["Tay", "tày"], "Nùng": ["Nung", "nùng"], "Kinh": ["kinh", "Việt"],
                      "Sán Chỉ": ["San Chi", "Sán Chay"]}
SURNAME_VARIANTS = {"Hoàng": ["Huỳnh"], "Huỳnh": ["Hoàng"], "Vũ": ["Võ"], "Võ": ["Vũ"], "Hầu": ["Hờ", "Hơ"],
                    "Lý": ["Ly", "Lí", "Lỳ"], "Sùng": ["Xồng", "Xùng", "Sung"], "Thào": ["Thò", "Thao"],
                    "Giàng": ["Già", "Giang", "Dàng"], "Vàng": ["Vang", "Vảng"], "Mùa": ["Mua"],
                    "Lầu": ["Lâu", "Lồ"], "Vừ": ["Vư", "Vù"], "Tráng": ["Cháng", "Trang"], "Cứ": ["Cư", "Cử"],
                    "Vi": ["Vy"], "Vy": ["Vi"], "Chu": ["Châu"], "Bàn": ["Phàn"], "Hạng": ["Hàng"]}
TEKNONYM_PARENT = {"M": "bố", "F": "mẹ"}


# =========================================================================== small helpers

class _Picker:
    """Weighted choice with precomputed cumulative weights (fast, deterministic)."""

    __slots__ = ("values", "cum", "total")

    def __init__(self, pairs):
        self.values = [v for v, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _ri(rng: random.Random, a: int, b: int) -> int:
    """rng.randint(a, b), faster (one float draw)."""
    return a + int(rng.random() * (b - a + 1))


def _rr(rng: random.Random, a: int, b: int | None = None) -> int:
    """rng.randrange(a) or rng.randrange(a, b), faster (one float draw)."""
    return int(rng.random() * a) if b is None else a + int(rng.random() * (b - a))


def _zipf(values, s: float = 1.1):
    return _Picker([(v, 1.0 / (i + 1) ** s) for i, v in enumerate(values)])


_P_ETH = _Picker(ETHNICITY_SHARES)
_P_KINH_SUR = _Picker(KINH_SURNAMES)
_P_KINH_MID = {"M": _Picker(KINH_MIDDLE_M), "F": _Picker(KINH_MIDDLE_F)}
_P_KINH_GIV = {"M": _zipf(KINH_GIVEN_M, 0.4), "F": _zipf(KINH_GIVEN_F, 0.4)}
_P_HMONG_CLAN = _Picker(HMONG_CLANS)
_P_HMONG_MID = _Picker(HMONG_MIDDLE_M)
_P_HMONG_GIV = {"M": _zipf(HMONG_GIVEN_M, 0.65), "F": _zipf(HMONG_GIVEN_F, 0.65)}
_P_DAO_SUR = _Picker(DAO_SURNAMES)
_P_DAO_GIV = {"M": _zipf(DAO_GIVEN_M, 0.6), "F": _zipf(DAO_GIVEN_F, 0.6)}
_P_TN_SUR = _Picker(TAY_NUNG_SURNAMES)
_P_TN_GIV = {"M": _zipf(TAY_NUNG_GIVEN_M, 0.5), "F": _zipf(TAY_NUNG_GIVEN_F, 0.5)}
_P_SC_SUR = _Picker(SAN_CHI_SURNAMES)
_P_HOME = {e: _Picker(v) for e, v in HOME_BY_ETHNICITY.items()}
_P_MIG = {k: _Picker(v) for k, v in MIGRANT_DISTRICTS.items()}


def _surname(eth: str, rng: random.Random) -> str:
    if eth == "Mông":
        return _P_HMONG_CLAN(rng)
    if eth == "Dao":
        return _P_DAO_SUR(rng)
    if eth in ("Tày", "Nùng"):
        return _P_TN_SUR(rng)
    if eth == "Sán Chỉ":
        return _P_SC_SUR(rng)
    return _P_KINH_SUR(rng)


def _middle(eth: str, sex: str, surname: str, gen: int, rng: random.Random) -> str:
    if eth == "Mông":
        if sex == "F":
            return "Thị" if rng.random() < 0.97 else ""
        return _P_HMONG_MID(rng)
    if eth == "Dao":
        if sex == "F":
            return "Thị" if rng.random() < 0.93 else "Mùi"
        cyc = DAO_GENERATIONS.get(surname, DAO_GENERATIONS["Lưu"])
        return cyc[gen % len(cyc)]
    if eth in ("Tày", "Nùng", "Sán Chỉ"):
        if sex == "F":
            return "Thị" if rng.random() < 0.9 else _P_KINH_MID["F"](rng)
        return "Văn" if rng.random() < 0.85 else _P_KINH_MID["M"](rng)
    return _P_KINH_MID[sex](rng)


class _GivenNames:
    """Given-name pickers of one world: today's lists and Zipf exponents (legacy), or with the extra
    names and the exponents multiplied by `WorldConfig.name_repetition`."""

    def __init__(self, cfg: "WorldConfig | None" = None):
        if cfg is None or (cfg.name_repetition == 1.0 and not cfg.extra_given_names):
            self.hmong, self.dao, self.tn, self.kinh = _P_HMONG_GIV, _P_DAO_GIV, _P_TN_GIV, _P_KINH_GIV
            return
        r = cfg.name_repetition
        extra = cfg.extra_given_names

        def mk(base, more, s):
            return {x: _zipf(base[x] + (more[x] if extra else []), s * r) for x in ("M", "F")}

        self.hmong = mk({"M": HMONG_GIVEN_M, "F": HMONG_GIVEN_F}, EXTRA_GIVEN["hmong"], 0.65)
        self.dao = mk({"M": DAO_GIVEN_M, "F": DAO_GIVEN_F}, EXTRA_GIVEN["dao"], 0.6)
        self.tn = mk({"M": TAY_NUNG_GIVEN_M, "F": TAY_NUNG_GIVEN_F}, EXTRA_GIVEN["tay_nung"], 0.5)
        self.kinh = mk({"M": KINH_GIVEN_M, "F": KINH_GIVEN_F}, EXTRA_GIVEN["kinh"], 0.4)


_LEGACY_GIVEN = _GivenNames(None)


def _given(eth: str, sex: str, rng: random.Random, names: _GivenNames = _LEGACY_GIVEN) -> str:
    if eth == "Mông":
        return names.hmong[sex](rng)
    if eth == "Dao":
        return names.dao[sex](rng)
    if eth in ("Tày", "Nùng", "Sán Chỉ"):
        return names.tn[sex](rng) if rng.random() < 0.7 else names.kinh[sex](rng)
    return names.kinh[sex](rng)


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _date_text(y: int, m: int, d: int, eth: str, rng: random.Random) -> str:
    """Register birth_date text: completeness depends on ethnicity and age, format varies."""
    minority = eth != "Kinh"
    if minority:
        p_full = 0.92 if y >= 2000 else 0.6 if y >= 1985 else 0.3 if y >= 1970 else 0.1
        p_empty = 0.04 if y < 1960 else 0.01
    else:
        p_full = 0.98 if y >= 1990 else 0.88 if y >= 1970 else 0.6
        p_empty = 0.01 if y < 1960 else 0.002
    r = rng.random()
    if r < p_empty:
        return ""
    r = rng.random()
    if r < p_full:
        return f"{d:02d}/{m:02d}/{y}" if rng.random() < 0.7 else f"{y}-{m:02d}-{d:02d}"
    if r < p_full + (1 - p_full) * 0.12:
        return f"00/{m:02d}/{y}" if rng.random() < 0.6 else f"{y}-{m:02d}"
    return f"00/00/{y}" if rng.random() < 0.5 else f"{y}"


def _hometown_text(home: tuple[str, str, str], by: int, rng: random.Random) -> str:
    """Quê quán as a clerk wrote it: full address, district+province, province; old or 2025 names."""
    prov, dist, comm = home
    name, _code, old, new, _nb = PROVINCES[prov]
    r = rng.random()
    if r < 0.07 and by < 1990 and old[0] != name:
        return old[0]
    if r < 0.10 and new != name:
        return new
    r = rng.random()
    if r < 0.5:
        return f"xã {comm}, huyện {dist}, {name}" if rng.random() < 0.7 else f"{comm}, {dist}, {name}"
    if r < 0.7:
        return f"{dist}, {name}" if rng.random() < 0.6 else f"huyện {dist}, tỉnh {name}"
    return name if rng.random() < 0.8 else f"tỉnh {name}"


def _residence_text(place: tuple[str, str, str], village: int, rng: random.Random) -> str:
    prov, dist, comm = place
    if prov == "dak_lak":
        prov_name = "Đắk Lắk"
        unit = "phường" if dist == "Buôn Ma Thuột" else "xã"
        dist_word = "thành phố" if dist == "Buôn Ma Thuột" else "huyện"
        hamlet = f"tổ dân phố {village}" if unit == "phường" else (
            f"thôn {village}" if village % 3 else f"buôn {village}")
    else:
        prov_name = PROVINCES[prov][0]
        unit, dist_word, hamlet = "xã", "huyện", f"thôn {village}"
    return f"{hamlet}, {unit} {comm}, {dist_word} {dist}, tỉnh {prov_name}"


# =========================================================================== the world

class _World:
    """Column lists of a synthetic world, built lineage by lineage (per-household Python)."""

    COLS = ("person_id", "full_name", "sex", "birth_date", "ethnicity", "hometown", "residence",
            "household_id", "relation_to_head", "father_name", "mother_name", "spouse_name",
            "father_id", "mother_id", "spouse_id")

    def __init__(self, seed: int, id_salt: int = 0, cfg: "WorldConfig | None" = None):
        self.rng = random.Random(seed)
        self.cfg = cfg if cfg is not None else _LEGACY
        self.names = _GivenNames(cfg)
        self.cur_home: tuple[str, str, str] | None = None   # home commune of the lineage being built
        self.lives: dict[int, str] = {}   # real residence of people whose book is registered elsewhere
        self.cols: dict[str, list] = {c: [] for c in self.COLS}
        self.by: list[int] = []          # true birth year (internal)
        self.bm: list[int] = []
        self.bd: list[int] = []
        self.father: list[int] = []      # internal index or -1
        self.mother: list[int] = []
        self.spouse: list[int] = []
        self.alive: list[bool] = []
        self.parts: list[tuple[str, str, str]] = []
        self.homes: list[tuple[str, str, str]] = []
        self.adult_name: dict[int, str] = {}
        self.household_seq = 0
        self.used_ids: set[str] = set()
        self.id_salt = id_salt
        self.n_registered = 0
        self.households: list[list[int]] = []  # member indices, head first, in creation order

    # ---------------------------------------------------------------- people
    def _pid(self, code: str, sex: str, y: int, legacy: bool) -> str:
        rng = self.rng
        while True:
            if legacy:
                pid = f"{_rr(rng, 10**8, 10**9)}"
            else:
                century_sex = (0 if y < 2000 else 2) + (1 if sex == "F" else 0)
                pid = f"{code}{century_sex}{y % 100:02d}{_rr(rng, 10**6):06d}"
            if pid not in self.used_ids:
                self.used_ids.add(pid)
                return pid

    def person(self, eth: str, sex: str, y: int, surname: str, gen: int, birth_code: str,
               home: tuple[str, str, str], youngest: bool = False, father: int = -1, mother: int = -1,
               father_name: str = "", mother_name: str = "") -> int:
        rng = self.rng
        mid = _middle(eth, sex, surname, gen, rng)
        if eth == "Mông" and youngest and rng.random() < 0.4:
            giv = "Dơ" if sex == "M" else "Dở"
        else:
            giv = _given(eth, sex, rng, self.names)
        m = _ri(rng, 1, 12)
        d = _ri(rng, 1, 28)
        legacy = y < 1975 and rng.random() < 0.08
        i = len(self.by)
        c = self.cols
        c["person_id"].append(self._pid(birth_code, sex, y, legacy))
        c["full_name"].append(_join(surname, mid, giv))
        c["sex"].append(sex)
        c["birth_date"].append(_date_text(y, m, d, eth, rng))
        c["ethnicity"].append(eth)
        c["hometown"].append(_hometown_text(home, y, rng))
        c["residence"].append("")
        c["household_id"].append("")
        c["relation_to_head"].append("")
        c["father_name"].append(father_name if father < 0 else self._name_as_parent(father))
        c["mother_name"].append(mother_name if mother < 0 else c["full_name"][mother])
        c["spouse_name"].append("")
        c["father_id"].append("")
        c["mother_id"].append("")
        c["spouse_id"].append("")
        self.by.append(y)
        self.bm.append(m)
        self.bd.append(d)
        self.father.append(father)
        self.mother.append(mother)
        self.spouse.append(-1)
        self.alive.append(True)
        self.parts.append((surname, mid, giv))
        self.homes.append(home)
        return i

    def _name_as_parent(self, f: int) -> str:
        """A Hmong man may have taken an adult middle name after marriage (Sa Pa custom): his children's
        records then carry a name that differs from his own record in the middle element."""
        alt = self.adult_name.get(f)
        if alt is None:
            sur, mid, giv = self.parts[f]
            alt = self.cols["full_name"][f]
            if self.cols["ethnicity"][f] == "Mông" and mid == "A" and self.rng.random() < 0.12:
                alt = _join(sur, "Seo" if self.rng.random() < 0.6 else "Mí", giv)
            self.adult_name[f] = alt
        return alt

    def marry(self, a: int, b: int) -> None:
        self.spouse[a] = b
        self.spouse[b] = a

    def household(self, place: tuple[str, str, str], members: list[tuple[int, str]],
                  p_book_home: float = 0.0) -> None:
        """Register a household: members = [(person index, relation_to_head)], head first.

        With probability `p_book_home` a family living in Đắk Lắk keeps its household book in the home
        commune: the register shows the northern residence, the people live (and claim) in Đắk Lắk."""
        self.household_seq += 1
        self.households.append([i for i, _rel in members])
        real = None
        if p_book_home > 0 and place[0] == "dak_lak" and self.cur_home is not None \
                and self.rng.random() < p_book_home:
            real = _residence_text(place, 1 + _rr(self.rng, 25), self.rng)
            place = self.cur_home
        code = DAK_LAK_CODE if place[0] == "dak_lak" else PROVINCES[place[0]][1]
        hid = f"HK{code}{self.id_salt:01d}{self.household_seq:07d}"
        res = _residence_text(place, 1 + _rr(self.rng, 25), self.rng)
        c = self.cols
        self.n_registered += len(members)
        for i, rel in members:
            c["household_id"][i] = hid
            c["relation_to_head"][i] = rel
            c["residence"][i] = res
            if real is not None:
                self.lives[i] = real

    def outsider_spouse(self, eth: str, sex: str, y: int, avoid_surname: str, gen: int,
                        home: tuple[str, str, str], birth_code: str) -> int:
        """A spouse from another family: their parents exist only as names on their record."""
        rng = self.rng
        sur = _surname(eth, rng)
        for _ in range(4):
            if sur != avoid_surname or eth == "Kinh":
                break
            sur = _surname(eth, rng)
        f_name = _join(sur, _middle(eth, "M", sur, gen - 1, rng), _given(eth, "M", rng, self.names))
        m_sur = _surname(eth, rng)
        m_name = _join(m_sur, _middle(eth, "F", m_sur, gen - 1, rng), _given(eth, "F", rng, self.names))
        return self.person(eth, sex, y, sur, gen, birth_code, home, father_name=f_name, mother_name=m_name)

    # ---------------------------------------------------------------- lineages
    def lineage(self) -> None:
        rng = self.rng
        eth = _P_ETH(rng)
        minority = eth != "Kinh"
        prov = _P_HOME[eth](rng)
        dist = rng.choice(list(HOME_PLACES[prov]))
        home = (prov, dist, rng.choice(HOME_PLACES[prov][dist]))
        self.cur_home = home
        home_code = PROVINCES[prov][1]
        mig_d = _P_MIG["minority" if minority else "kinh"](rng)
        dak_place = ("dak_lak", mig_d, rng.choice(DAK_LAK_PLACES[mig_d]))
        mig_year = _ri(rng, 1990, 2012) if minority else _ri(rng, 1977, 2005)
        gen0 = _rr(rng, 7)
        clan = _surname(eth, rng)

        gf_y = _ri(rng, 1935, 1968)
        gm_y = min(gf_y + _ri(rng, -2, 8), 1972)

        def code_for(y: int) -> str:
            return home_code if y < mig_year else DAK_LAK_CODE

        # grandparents' own parents exist only as names
        gff = _join(clan, _middle(eth, "M", clan, gen0 - 1, rng), _given(eth, "M", rng, self.names))
        gfm_s = _surname(eth, rng)
        gfm = _join(gfm_s, _middle(eth, "F", gfm_s, gen0 - 1, rng), _given(eth, "F", rng, self.names))
        gf = self.person(eth, "M", gf_y, clan, gen0, home_code, home, father_name=gff, mother_name=gfm)
        gm = self.outsider_spouse(eth, "F", gm_y, clan, gen0, home, home_code)
        self.marry(gf, gm)
        # the old may have died: then they are names on their children's records only
        if gf_y < 1950 and rng.random() < 0.45:
            self.alive[gf] = False
        if gm_y < 1948 and rng.random() < 0.35:
            self.alive[gm] = False

        n_kids = _ri(rng, 3, 8) if minority else _ri(rng, 2, 5)
        kids = []
        y = gm_y + _ri(rng, 18, 24)
        for k in range(n_kids):
            if y > min(gm_y + 44, REF_YEAR - 1):
                break
            sex = "M" if rng.random() < 0.52 else "F"
            kids.append((y, sex))
            y += _ri(rng, 1, 4)
        parents_stay_home = minority and rng.random() < 0.45 or (not minority and rng.random() < 0.2)
        sons = [k for k, (ky, s) in enumerate(kids) if s == "M"]
        youngest_son = sons[-1] if sons else -1
        kid_idx = []
        for k, (ky, sex) in enumerate(kids):
            kid_idx.append(self.person(eth, sex, ky, clan, gen0 + 1, code_for(ky), home,
                                       youngest=(k == len(kids) - 1), father=gf, mother=gm))

        gp_alive = [p for p in (gf, gm) if self.alive[p]]
        co_resident_son = -1
        other_households = []
        uxorilocal: list[tuple[int, int, list[int]]] = []
        pending: list[list[tuple[int, str]]] = []  # married grandchildren's households (head first)
        single_with_parents = []
        for k, ki in enumerate(kid_idx):
            ky, sex = kids[k]
            age = REF_YEAR - ky
            married = age >= 19 and rng.random() < (0.93 if age >= 25 else 0.5)
            if not married:
                single_with_parents.append(ki)
                continue
            sp_y = ky + (_ri(rng, -6, 2) if sex == "M" else _ri(rng, -2, 8))
            sp_y = min(sp_y, REF_YEAR - 16)
            sp_home = home if rng.random() < 0.5 else (
                prov, rng.choice(list(HOME_PLACES[prov])), "")
            if not sp_home[2]:
                sp_home = (prov, sp_home[1], rng.choice(HOME_PLACES[prov][sp_home[1]]))
            sp_eth = eth if rng.random() < 0.92 else ("Kinh" if minority and eth in ("Tày", "Nùng") else eth)
            sp = self.outsider_spouse(sp_eth, "F" if sex == "M" else "M", sp_y, clan, gen0 + 1, sp_home,
                                      code_for(sp_y) if rng.random() < 0.7 else PROVINCES[prov][1])
            self.marry(ki, sp)
            father, mother = (ki, sp) if sex == "M" else (sp, ki)
            g_sur = self.parts[father][0]
            mother_y = self.by[mother]
            n_g = _ri(rng, 1, 6) if minority else _ri(rng, 1, 3)
            gy = mother_y + _ri(rng, 18, 25)
            grandkids = []
            for _ in range(n_g):
                if gy > REF_YEAR - 1 or gy > mother_y + 42:
                    break
                gsex = "M" if rng.random() < 0.52 else "F"
                grandkids.append(self.person(self.cols["ethnicity"][father], gsex, gy, g_sur, gen0 + 2,
                                             code_for(gy) if sex == "M" else DAK_LAK_CODE,
                                             home if sex == "M" else sp_home,
                                             father=father, mother=mother))
                gy += _ri(rng, 1, 4)
            grandkids = self._marry_off(grandkids, gen0 + 2, dak_place, minority, pending)
            if sex == "M" and k == youngest_son and gp_alive and not parents_stay_home:
                co_resident_son = ki
                other_households.append(("with_parents", ki, sp, grandkids))
            elif sex == "F" and gp_alive and not parents_stay_home and not uxorilocal and \
                    rng.random() < (0.2 if eth == "Mông" else 0.04):
                # ở rể: the son-in-law lives with his wife's parents for some years
                uxorilocal.append((ki, sp, grandkids))
            else:
                other_households.append(("own", father, mother, grandkids))

        live_place = home if parents_stay_home else dak_place
        # grandparents' household
        if gp_alive:
            if co_resident_son >= 0 and rng.random() < 0.45:
                # the son is head: his parents are cha/mẹ, his children con, unmarried siblings anh/chị/em
                _tag, son, son_sp, gks = next(h for h in other_households if h[0] == "with_parents")
                mem = [(son, "chủ hộ"), (son_sp, "vợ")] + [(g, "con") for g in gks]
                mem += [(p, "cha" if p == gf else "mẹ") for p in gp_alive]
                for s in single_with_parents:
                    rel = ("anh" if self.cols["sex"][s] == "M" else "chị") if self.by[s] < self.by[son] else "em"
                    mem.append((s, rel))
                self.household(live_place, mem, self.cfg.book_at_home)
            else:
                head = gp_alive[0]
                mem = [(head, "chủ hộ")] + [(p, "vợ") for p in gp_alive[1:]]
                mem += [(s, "con") for s in single_with_parents]
                if co_resident_son >= 0:
                    _tag, son, son_sp, gks = next(h for h in other_households if h[0] == "with_parents")
                    mem += [(son, "con"), (son_sp, "con dâu")] + [(g, "cháu") for g in gks]
                for dau, husband, gks in uxorilocal:
                    mem += [(dau, "con"), (husband, "con rể")] + [(g, "cháu") for g in gks]
                if len(gp_alive) == 1 and pending and rng.random() < 0.35:
                    # a widowed grandparent lives with a married grandchild's family: ông / bà
                    pending[0].append((gp_alive[0], "ông" if self.cols["sex"][gp_alive[0]] == "M" else "bà"))
                    mem = [(p, r) for p, r in mem if p != gp_alive[0]]
                    if mem:
                        mem[0] = (mem[0][0], "chủ hộ")
                if mem:
                    self.household(live_place, mem, self.cfg.book_at_home)
        elif single_with_parents:
            # orphaned unmarried children: live with the eldest married brother or on their own
            self.household(dak_place if not parents_stay_home else home,
                           [(single_with_parents[0], "chủ hộ")] +
                           [(s, "em") for s in single_with_parents[1:]], self.cfg.book_at_home)
        # married children's own households (in Đắk Lắk when the family migrated)
        for tag, a, b, gks in other_households:
            if tag == "with_parents" and gp_alive:
                continue
            father, mother = a, b
            place = dak_place if (minority or rng.random() < 0.85) else home
            if rng.random() < 0.1:
                d2 = _P_MIG["minority" if minority else "kinh"](rng)
                place = ("dak_lak", d2, rng.choice(DAK_LAK_PLACES[d2]))
            if rng.random() < (0.12 if not minority else 0.03):  # the wife holds the household book
                mem = [(mother, "chủ hộ"), (father, "chồng")] + [(g, "con") for g in gks]
            else:
                mem = [(father, "chủ hộ"), (mother, "vợ")] + [(g, "con") for g in gks]
            self.household(place, mem, self.cfg.north_residence)
        for mem in pending:
            d2 = _P_MIG["minority" if minority else "kinh"](rng)
            place = dak_place if rng.random() < 0.7 else ("dak_lak", d2, rng.choice(DAK_LAK_PLACES[d2]))
            self.household(place, mem, self.cfg.north_residence)

    def _marry_off(self, kids: list[int], gen: int, dak_place, minority: bool,
                   pending: list[list[tuple[int, str]]]) -> list[int]:
        """Adult grandchildren marry and found households with their own children; returns the unmarried."""
        rng = self.rng
        stay = []
        for g in kids:
            age = REF_YEAR - self.by[g]
            if age < 18 or rng.random() > (0.85 if age >= 24 else 0.4 if minority else 0.15):
                stay.append(g)
                continue
            sex = self.cols["sex"][g]
            eth = self.cols["ethnicity"][g]
            sp_y = min(self.by[g] + (_ri(rng, -5, 1) if sex == "M" else _ri(rng, -1, 6)), REF_YEAR - 16)
            d2 = _P_MIG["minority" if minority else "kinh"](rng)
            prov = _P_HOME[eth](rng) if eth in _P_HOME else "thai_binh"
            dist = rng.choice(list(HOME_PLACES[prov]))
            sp_home = (prov, dist, rng.choice(HOME_PLACES[prov][dist]))
            sp = self.outsider_spouse(eth, "F" if sex == "M" else "M", sp_y, self.parts[g][0], gen, sp_home,
                                      DAK_LAK_CODE if sp_y >= 1995 and rng.random() < 0.6 else PROVINCES[prov][1])
            self.marry(g, sp)
            father, mother = (g, sp) if sex == "M" else (sp, g)
            fam_home = self._home_of(father)
            ggs = []
            y = self.by[mother] + _ri(rng, 18, 24)
            for _ in range(_ri(rng, 0, 4) if minority else _ri(rng, 0, 2)):
                if y > REF_YEAR - 1:
                    break
                ggs.append(self.person(self.cols["ethnicity"][father], "M" if rng.random() < 0.52 else "F", y,
                                       self.parts[father][0], gen + 1, DAK_LAK_CODE, fam_home,
                                       father=father, mother=mother))
                y += _ri(rng, 1, 3)
            pending.append([(father, "chủ hộ"), (mother, "vợ")] + [(x, "con") for x in ggs])
        return stay

    def _home_of(self, i: int) -> tuple[str, str, str]:
        return self.homes[i]

    def frame(self, n: int) -> pl.DataFrame:
        """Registered, living people as a SPEC population frame (first n), ids/names linked."""
        rng = self.rng
        c = self.cols
        total = len(self.by)
        keep = [i for members in self.households for i in members][:n]  # whole households, head first
        kept = set(keep)
        pid = c["person_id"]
        out = {k: [] for k in self.COLS}
        for i in keep:
            eth = c["ethnicity"][i]
            old = self.by[i] < 1970
            p_miss_parent = (0.35 if old else 0.15) if eth != "Kinh" else (0.2 if old else 0.08)
            for k in ("person_id", "sex", "birth_date", "ethnicity", "hometown", "residence",
                      "household_id", "relation_to_head"):
                out[k].append(c[k][i])
            p_err = self.cfg.registry_year_error
            if p_err > 0 and out["birth_date"][-1]:
                # a clerk's year error (copied from an age estimate, a misread digit): twice as likely on
                # old minority records
                if rng.random() < p_err * (2.0 if eth != "Kinh" and self.by[i] < 1980 else 1.0):
                    y0 = self.by[i]
                    y1 = y0 + rng.choice([-2, -1, -1, 1, 1, 2])
                    out["birth_date"][-1] = out["birth_date"][-1].replace(str(y0), str(y1), 1)
            # old records typed without diacritics
            out["full_name"].append(fold_text(c["full_name"][i]) if old and rng.random() < 0.01
                                    else c["full_name"][i])
            fn = c["father_name"][i] if rng.random() > p_miss_parent else ""
            mn = c["mother_name"][i] if rng.random() > p_miss_parent else ""
            if eth in ("Mông", "Dao") and rng.random() < 0.05:  # a parent's name spelt by ear on this record
                if fn:
                    fn = " ".join(fn.split()[:-1] + [_retone(fn.split()[-1], rng)])
                elif mn:
                    mn = " ".join(mn.split()[:-1] + [_retone(mn.split()[-1], rng)])
            s = self.spouse[i]
            sn = c["full_name"][s] if s >= 0 and rng.random() < 0.9 else ""
            f, m = self.father[i], self.mother[i]
            out["father_name"].append(fn)
            out["mother_name"].append(mn)
            out["spouse_name"].append(sn)
            out["father_id"].append(pid[f] if f in kept and fn and rng.random() < 0.3 else "")
            out["mother_id"].append(pid[m] if m in kept and mn and rng.random() < 0.3 else "")
            out["spouse_id"].append(pid[s] if s in kept and sn and rng.random() < 0.3 else "")
        df = pl.DataFrame(out, schema={k: pl.Utf8 for k in self.COLS})
        self.links = pl.DataFrame({
            "person_id": [pid[i] for i in keep],
            "_father": [pid[self.father[i]] if self.father[i] in kept else None for i in keep],
            "_mother": [pid[self.mother[i]] if self.mother[i] in kept else None for i in keep],
            "_spouse": [pid[self.spouse[i]] if self.spouse[i] in kept else None for i in keep],
            "_lives": [self.lives.get(i) for i in keep],
            "_ty": [self.by[i] for i in keep],
            "_tm": [self.bm[i] for i in keep],
            "_td": [self.bd[i] for i in keep],
        }, schema={**{k: pl.Utf8 for k in ("person_id", "_father", "_mother", "_spouse", "_lives")},
                   **{k: pl.Int32 for k in ("_ty", "_tm", "_td")}})
        return df.with_columns([pl.when(pl.col(k) == "").then(None).otherwise(pl.col(k)).alias(k)
                                for k in self.COLS])


def generate_population(n: int, seed: int = 0, config: "WorldConfig | None" = None) -> pl.DataFrame:
    """A synthetic register of exactly `n` people (SPEC population columns, Utf8, nulls for missing).

    Same (n, seed, config) → identical frame. Rows are grouped by lineage and household. `config=None`
    is today's generator (`WorldConfig.legacy()`, what data/samples was made with); pass `WorldConfig()`
    for the widened world the benchmarks use.
    """
    if n < 0:
        raise ValueError(f"generate_population: n must be >= 0, got {n}")
    w = _World(seed, cfg=config)
    while w.n_registered < n:
        w.lineage()
    df = _null_dangling_ids(w.frame(n))
    _remember_links(df, w.links)
    return df


# True family links of generated registers, kept (in memory only, last few) so that generate_claims can
# write exact relative ids for the registers this process generated; they are never put in the frame, so
# an engine cannot see them. For registers read from files, links fall back to ids and households.
_LINKS: dict[tuple, pl.DataFrame] = {}


def _fingerprint(df: pl.DataFrame) -> tuple:
    if df.height == 0 or "person_id" not in df.columns:
        return (df.height,)
    return (df.height, int(df["person_id"].cast(pl.Utf8).hash(seed=11).sum()),
            int(df["full_name"].cast(pl.Utf8).hash(seed=13).sum()))


def _remember_links(df: pl.DataFrame, links: pl.DataFrame) -> None:
    while len(_LINKS) >= 3:
        _LINKS.pop(next(iter(_LINKS)))
    _LINKS[_fingerprint(df)] = links


def _null_dangling_ids(df: pl.DataFrame) -> pl.DataFrame:
    ids = df["person_id"]
    return df.with_columns([
        pl.when(pl.col(c).is_in(ids.implode())).then(pl.col(c)).otherwise(None).alias(c)
        for c in ("father_id", "mother_id", "spouse_id")
    ])


# =========================================================================== corruption (scalar)

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_TONE_LIST = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
_VOWELS = set("aăâeêioôơuưy")


def fold_text(text: str) -> str:
    """Tones and marks removed, đ→d (NFC result). Used for 'no diacritics' claims."""
    t = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(ch for ch in t if not unicodedata.combining(ch)))


def _retone(syl: str, rng: random.Random) -> str:
    """Change the tone of one syllable (a clerk spelling a Hmong/Dao syllable by ear)."""
    d = unicodedata.normalize("NFD", syl)
    base = [ch for ch in d if ch not in _TONES]
    old = next((ch for ch in d if ch in _TONES), "")
    new = rng.choice([t for t in _TONE_LIST if t != old])
    # position: the vowel carrying a quality mark, else the last vowel of a closed / first of an open pair
    letters = [(i, ch) for i, ch in enumerate(base) if not unicodedata.combining(ch)]
    vpos = [i for i, ch in letters if ch.lower() in "aeiouy"]
    if not vpos:
        return syl
    marked = [i for i in vpos if i + 1 < len(base) and base[i + 1] in ("\u0302", "\u0306", "\u031b")]
    if marked:
        pos = marked[-1] + 1
    elif len(vpos) >= 2 and vpos[-1] == letters[-1][0]:
        pos = vpos[-2]
    else:
        pos = vpos[-1]
    base.insert(pos + 1, new) if new else None
    return unicodedata.normalize("NFC", "".join(base))


_DIALECT_INITIALS = [("gi", ["d", "r"]), ("d", ["gi", "r"]), ("r", ["d", "gi"]), ("s", ["x"]), ("x", ["s"]),
                     ("tr", ["ch"]), ("ch", ["tr"]), ("l", ["n"]), ("n", ["l"]), ("v", ["d"])]


def _dialect(syl: str, rng: random.Random) -> str | None:
    low = syl.lower()
    cap = syl[:1].isupper()
    for ini, subs in _DIALECT_INITIALS:
        if low.startswith(ini) and not (ini == "n" and low.startswith(("ng", "nh"))) and \
                not (ini == "d" and low.startswith("đ")):
            if ini == "g" or (ini == "gi" and len(low) == 2):
                continue
            new = rng.choice(subs) + low[len(ini):]
            return new.capitalize() if cap else new
    if low.endswith("ng") and not low.endswith("nhg"):
        return syl[:-1]
    if low.endswith("n") and not low.endswith("nh"):
        return syl + "g"
    return None


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word + word[-1]
    i = _rr(rng, 1, len(word))
    op = rng.random()
    if op < 0.35:
        return word[:i] + word[i + 1:]
    if op < 0.65 and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op < 0.85:
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeinhtcuo") + word[i + 1:]


def _corrupt_name(parts: tuple[str, str, str], eth: str, rng: random.Random, light: bool = False,
                  corruption: float = 1.0) -> tuple[str, list[str]]:
    """A name as a claimant (or a relative) would say or write it, with the tags applied; `corruption`
    multiplies the spelling-error rates."""
    sur, mid, giv = parts
    tags: list[str] = []
    hm_dao = eth in ("Mông", "Dao")
    r = rng.random()
    if light:
        form = "given" if r < 0.12 else "nomid" if r < 0.2 else "full"
    elif r < 0.58:
        form = "full"
    elif r < 0.68 + (0.06 if hm_dao else 0):
        form = "usual" if hm_dao and mid else "nomid" if mid else "full"
    elif r < 0.78:
        form = "nomid" if mid else "full"
    elif r < 0.86:
        form = "given"
    elif r < 0.90 and eth == "Mông" and parts[1] in ("A", "Seo", "Mí"):
        form = "midchange"
    else:
        form = "full"
    if form != "given" and sur in SURNAME_VARIANTS and rng.random() < (0.1 if light else 0.15) * corruption:
        sur = rng.choice(SURNAME_VARIANTS[sur])
        tags.append("surname_variant")
    if form == "full":
        words = [sur, mid, giv]
        tags.insert(0, "name_full")
    elif form == "usual":
        words = [mid, giv]
        tags.insert(0, "name_usual")
    elif form == "nomid":
        words = [sur, giv]
        tags.insert(0, "name_no_middle")
    elif form == "given":
        words = [giv]
        tags.insert(0, "name_given_only")
    else:
        words = [sur, rng.choice([m for m in ("A", "Seo", "Mí", "Văn") if m != mid]), giv]
        tags.insert(0, "name_middle_changed")
    words = [w for w in words if w]
    scale = (0.5 if light else 1.0) * corruption
    if hm_dao and rng.random() < 0.18 * scale:
        k = len(words) - 1 if rng.random() < 0.7 else 0
        words[k] = _retone(words[k], rng)
        tags.append("tone_by_ear")
    if rng.random() < 0.12 * scale:
        order = list(range(len(words)))
        rng.shuffle(order)
        for k in order:
            new = _dialect(words[k], rng)
            if new and new != words[k]:
                words[k] = new
                tags.append("dialect")
                break
    if rng.random() < 0.06 * scale:
        k = _rr(rng, len(words))
        words[k] = _typo(words[k], rng)
        tags.append("typo")
    text = " ".join(words)
    if rng.random() < 0.15 * scale:
        text = fold_text(text)
        tags.append("no_diacritics")
    if not light and rng.random() < 0.04 * corruption and unicodedata.normalize("NFD", text) != text:
        text = unicodedata.normalize("NFD", text)
        tags.append("nfd")
    return text, tags


def _lunar_year(y: int, m: int | None, d: int | None) -> int:
    if m is not None and (m == 1 or (m == 2 and (d or 1) < 10)):
        return y - 1
    return y


def _zodiac_text(lunar_year: int, rng: random.Random) -> str:
    z = ZODIAC[(lunar_year - 4) % 12]
    r = rng.random()
    if r < 0.15:
        return fold_text(z).lower()
    if r < 0.2 and z == "Mão":
        return "Mèo"
    return z


_BIRTH_WEIGHTS = {
    "minority": [("by_date", 8), ("by_year", 24), ("by_year_wrong", 8), ("by_age", 20), ("by_range", 8),
                 ("by_zodiac", 7), ("by_age_zodiac", 11), ("by_unknown", 14)],
    "kinh": [("by_date", 35), ("by_year", 35), ("by_year_wrong", 5), ("by_age", 10), ("by_range", 5),
             ("by_zodiac", 3), ("by_age_zodiac", 3), ("by_unknown", 4)],
}
_P_BIRTH = {k: _Picker(v) for k, v in _BIRTH_WEIGHTS.items()}

_HT_WEIGHTS = [("ht_same", 25), ("ht_province", 23), ("ht_old_name", 14), ("ht_2025_name", 7),
               ("ht_neighbour", 7), ("ht_district_only", 9), ("ht_missing", 15)]
_P_HT = _Picker(_HT_WEIGHTS)

# province name (current / old / 2025 / ascii) → key, for reading register hometown text
_PROV_LOOKUP: dict[str, str] = {}
for _k, (_name, _code, _old, _new, _nb) in PROVINCES.items():
    _PROV_LOOKUP[_name] = _k


def _home_key(text: str | None) -> tuple[str | None, str | None]:
    """(province key, district) read back from a register hometown text written by this module."""
    if not text:
        return None, None
    parts = [p.strip() for p in text.split(",")]
    last = parts[-1].removeprefix("tỉnh ").strip()
    key = _PROV_LOOKUP.get(last)
    if key is None:  # old or 2025 name: pick the first province it can mean
        key = next((k for k, v in PROVINCES.items() if last in v[2] or last == v[3]), None)
    dist = None
    for p in parts[:-1]:
        p2 = p.removeprefix("huyện ").strip()
        if key and p2 in HOME_PLACES.get(key, {}):
            dist = p2
    return key, dist


class _ClaimPickers:
    """Birth-information and hometown pickers of one WorldConfig (legacy weights when corruption and
    claim_richness are 1)."""

    def __init__(self, cfg: WorldConfig):
        c, r = cfg.corruption, cfg.claim_richness
        if c <= 0 or r <= 0:
            raise ValueError("WorldConfig.corruption and claim_richness must be > 0")

        def birth(pairs):
            return _Picker([(k, w * c if k == "by_year_wrong" else w / r if k == "by_unknown" else w)
                            for k, w in pairs])

        self.birth = {k: birth(v) for k, v in _BIRTH_WEIGHTS.items()}
        self.ht = _Picker([(k, w * c if k == "ht_neighbour" else w / r if k == "ht_missing" else w)
                           for k, w in _HT_WEIGHTS])


def _corrupt_hometown(text: str | None, rng: random.Random, picker: _Picker = _P_HT) -> tuple[str | None, str]:
    key, dist = _home_key(text)
    tag = picker(rng)
    if key is None:
        return (None, "ht_missing") if tag == "ht_missing" or not text else (text, "ht_same")
    name, _code, old, new, nb = PROVINCES[key]
    if tag == "ht_same":
        return text, tag
    if tag == "ht_province":
        return name, tag
    if tag == "ht_old_name":
        return (old[0], tag) if old[0] != name else (name, "ht_province")
    if tag == "ht_2025_name":
        return (new, tag) if new != name else (name, "ht_province")
    if tag == "ht_neighbour":
        return PROVINCES[rng.choice(nb)][0], tag
    if tag == "ht_district_only":
        d = dist or rng.choice(list(HOME_PLACES[key]))
        if dist is None:  # we would invent a district: say the province instead
            return name, "ht_province"
        return (f"huyện {d}" if rng.random() < 0.5 else d), tag
    return None, "ht_missing"


@dataclass(frozen=True)
class ClaimMix:
    """Shares of claim kinds (normalised): claimant registered / only relatives registered / nobody."""

    registered: float = 0.60
    absent_relatives: float = 0.25
    absent: float = 0.15


@dataclass(frozen=True)
class WorldConfig:
    """Knobs of a generated world (register + claims). `WorldConfig()` is the widened default the
    benchmarks use; `WorldConfig.legacy()` is the generator as it was before issue 10 (and what
    `config=None` means, so data/samples and older figures stay reproducible).

    Same seed + same config → identical output. Defaults and why:
    - `name_repetition` 1.0: multiplies the Zipf exponents of given-name choice (0.5 = more variety,
      2 = namesakes everywhere); `extra_given_names` True adds ~25 rarer given names per culture and sex,
      some spelt like clans or surnames.
    - `registration_rate` 0.60: share of claimants who are registered; the rest split 25:15 between
      "only relatives registered" and "nobody registered" (the ClaimMix of before).
    - `corruption` 1.0: multiplies the rates of spelling corruption (tone by ear, dialect, typos, no
      diacritics, surname variants), wrong birth years and wrong/odd hometowns in claims.
    - `claim_richness` 1.0: divides the share of claims without birth information and without hometown
      and scales how many relatives a claim names (0.5 = poor, 2 = rich).
    - `registry_year_error` 0.04: register birth years off by 1–2 years (twice that on old minority
      records), so the claimant's true year disagrees with the register.
    - `book_at_home` 0.10: migrated families whose household book stayed in the home commune (the
      register shows the northern residence; they live and claim in Đắk Lắk).
    - `north_residence` 0.08: married migrants' own households registered in the north all the same.
    - `no_surname` 0.06: claims giving only the usual name ("A Páo", "Thị Sông", "Văn Hùng").
    - `rotated` 0.03: claims writing the given name first ("Páo Giàng A", "Páo Giàng", "Hùng Nguyễn Văn").
    - `teknonym_name` 0.04: claimants with a child who give a teknonym as their name ("mẹ Sành",
      "bố A Súa"); the real name then is an alias half the time.
    - `other_relations` 0.15: claims that also name a grandparent, uncle, aunt, cousin or grandchild (as
      text: "grandparent", "ông", "chú" ...), which the register cannot confirm.
    """

    name_repetition: float = 1.0
    extra_given_names: bool = True
    registration_rate: float = 0.60
    corruption: float = 1.0
    claim_richness: float = 1.0
    registry_year_error: float = 0.04
    book_at_home: float = 0.10
    north_residence: float = 0.08
    no_surname: float = 0.06
    rotated: float = 0.03
    teknonym_name: float = 0.04
    other_relations: float = 0.15

    @classmethod
    def legacy(cls) -> "WorldConfig":
        """The generator before issue 10 (bit for bit)."""
        return cls(extra_given_names=False, registry_year_error=0.0, book_at_home=0.0, north_residence=0.0,
                   no_surname=0.0, rotated=0.0, teknonym_name=0.0, other_relations=0.0)

    def mix(self) -> ClaimMix:
        r = self.registration_rate
        if not 0.0 <= r <= 1.0:
            raise ValueError(f"WorldConfig.registration_rate must be in [0, 1], got {r}")
        return ClaimMix(r, (1 - r) * 25 / 40, (1 - r) * 15 / 40)


_LEGACY = WorldConfig.legacy()


@dataclass
class _Truth:
    """What we know about a (possibly unregistered) claimant, to build a claim from."""

    parts: tuple[str, str, str]
    sex: str
    by: int | None
    bm: int | None
    bd: int | None
    eth: str
    hometown: str | None
    residence: str | None
    relatives: list[tuple[str, tuple[str, str, str], int | None, str]]  # relation, name parts, by, eth


def _split_name(full: str) -> tuple[str, str, str]:
    w = full.split()
    if len(w) == 1:
        return "", "", w[0]
    return w[0], " ".join(w[1:-1]), w[-1]


def _name_form(t: _Truth, name: str, ntags: list[str], cfg: WorldConfig, rng: random.Random
               ) -> tuple[str, list[str], str | None]:
    """The widened name forms of a claimant (WorldConfig.teknonym_name / no_surname / rotated):
    (name, tags, the real name when it is kept as an alias)."""
    p_tek, p_nos, p_rot = cfg.teknonym_name, cfg.no_surname, cfg.rotated
    if p_tek + p_nos + p_rot <= 0:
        return name, ntags, None
    sur, mid, giv = t.parts
    r = rng.random()
    kids = [p for rel, p, _b, _e in t.relatives if rel == "child"]
    if r < p_tek and kids:
        kid = kids[0]
        kid_name = f"{kid[1]} {kid[2]}" if kid[1] in ("A", "Thị", "Seo") and rng.random() < 0.3 else kid[2]
        alias = name if rng.random() < 0.5 else None
        return f"{TEKNONYM_PARENT[t.sex]} {kid_name}", ["name_teknonym"], alias
    r -= p_tek
    words: list[str] | None = None
    if r < p_nos and mid and giv:
        words, tag = [mid, giv], "name_no_surname"
    elif p_nos <= r < p_nos + p_rot and sur and giv:
        if t.eth == "Kinh" or not mid:
            words = [giv, sur] if rng.random() < 0.5 or not mid else [mid, giv, sur]
        else:
            words = [giv, sur, mid] if rng.random() < 0.5 else [giv, sur]
        tag = "name_rotated"
    if words is None:
        return name, ntags, None
    text = " ".join(words)
    tags = [tag]
    if rng.random() < 0.15 * cfg.corruption:
        text = fold_text(text)
        tags.append("no_diacritics")
    return text, tags, None


def _other_relative(t: _Truth, cfg: WorldConfig, rng: random.Random, names: "_GivenNames") -> dict | None:
    """A relative the register cannot confirm (grandparent, uncle ...), named as the claimant says it."""
    if cfg.other_relations <= 0 or rng.random() >= cfg.other_relations:
        return None
    rel = rng.choice(OTHER_RELATIONS)
    sex = "F" if rel in ("aunt", "bà", "cô", "dì", "chị họ") else "M" if rel in (
        "uncle", "ông", "chú", "bác", "cậu", "anh họ") else ("M" if rng.random() < 0.5 else "F")
    sur = t.parts[0] or _surname(t.eth, rng)
    if sex == "F" and rel not in ("cousin", "grandchild"):
        sur = _surname(t.eth, rng)   # married-in or the mother's side
    name = _join(sur, _middle(t.eth, sex, sur, 0, rng), _given(t.eth, sex, rng, names))
    return {"relation": rel, "name": name, "birth_year": None}


def _make_claim(cid: str, t: _Truth, rng: random.Random, name_first_relative: bool = False,
                cfg: WorldConfig = _LEGACY, pick: "_ClaimPickers | None" = None,
                names: "_GivenNames | None" = None) -> tuple[dict, list[str]]:
    """A claim from what we know; `name_first_relative`: the claimant names at least t.relatives[0]
    (someone who comes to the police about unregistered family names a registered relative)."""
    pick = pick or _ClaimPickers(cfg)
    tags: list[str] = []
    name, ntags = _corrupt_name(t.parts, t.eth, rng, corruption=cfg.corruption)
    name, ntags, real_alias = _name_form(t, name, ntags, cfg, rng)
    tags += ntags
    rec = dt.date(2024, 1, 1) + dt.timedelta(days=_rr(rng, 0, 1000))
    claim: dict = {"claim_id": cid, "name": name, "aliases": [], "sex": t.sex, "birth_date": None,
                   "birth_year": None, "birth_year_min": None, "birth_year_max": None, "age": None,
                   "recorded_on": rec.isoformat(), "zodiac": None, "ethnicity": t.eth,
                   "claimed_hometown": None, "residence": None, "relatives": []}
    # birth information
    minority = t.eth != "Kinh"
    old = t.by is not None and t.by < 1970
    kind = pick.birth["minority" if minority or old else "kinh"](rng) if t.by else "by_unknown"
    if kind == "by_date" and (t.bm is None or t.bd is None):
        kind = "by_year"
    y = t.by
    if kind == "by_date":
        claim["birth_date"] = (f"{t.bd:02d}/{t.bm:02d}/{y}" if rng.random() < 0.6 else f"{y}-{t.bm:02d}-{t.bd:02d}")
    elif kind == "by_year":
        if rng.random() < 0.5:
            claim["birth_year"] = y
        else:
            claim["birth_date"] = f"{y}" if rng.random() < 0.5 else f"00/00/{y}"
    elif kind == "by_year_wrong":
        claim["birth_year"] = y + rng.choice([-2, -1, -1, 1, 1, 2, 3])
    elif kind in ("by_age", "by_age_zodiac"):
        true_age = rec.year - y - (1 if (t.bm or 6, t.bd or 15) > (rec.month, rec.day) else 0)
        err = round(rng.gauss(0, 1.5 + 0.06 * true_age))
        if rng.random() < 0.25:
            err += 1  # tuổi mụ
        claim["age"] = max(1, true_age + err)
        if kind == "by_age_zodiac":
            claim["zodiac"] = _zodiac_text(_lunar_year(y, t.bm, t.bd), rng)
    elif kind == "by_range":
        w = _ri(rng, 4, 15)
        lo = y - _ri(rng, 0, w)
        claim["birth_year_min"], claim["birth_year_max"] = lo, lo + w
    elif kind == "by_zodiac":
        claim["zodiac"] = _zodiac_text(_lunar_year(y, t.bm, t.bd), rng)
    tags.append(kind)
    # hometown
    ht, httag = _corrupt_hometown(t.hometown, rng, pick.ht)
    claim["claimed_hometown"] = ht
    tags.append(httag)
    # residence (where the claimant lives now: where the police meet them)
    if t.residence and rng.random() < 0.6:
        claim["residence"] = t.residence
    # sex / ethnicity
    if rng.random() < 0.08:
        claim["sex"] = None
        tags.append("sex_missing")
    r = rng.random()
    if r < 0.12:
        claim["ethnicity"] = None
        tags.append("ethnicity_missing")
    elif r < 0.27 and t.eth in ETHNICITY_VARIANTS:
        claim["ethnicity"] = rng.choice(ETHNICITY_VARIANTS[t.eth])
        tags.append("ethnicity_variant")
    # relatives
    k = rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4])
    if cfg.claim_richness != 1.0:
        k = int(k * cfg.claim_richness + 0.5)
    k = min(len(t.relatives), k)
    if name_first_relative and t.relatives:
        k = max(k, 1)
        chosen = [t.relatives[0]] + rng.sample(t.relatives[1:], k - 1)
        rng.shuffle(chosen)
    else:
        chosen = rng.sample(t.relatives, k) if k else []
    rel_corrupt = False
    for relation, parts, rby, reth in chosen:
        rname, rtags = _corrupt_name(parts, reth, rng, light=True, corruption=cfg.corruption)
        if rtags != ["name_full"]:
            rel_corrupt = True
        entry = {"relation": relation, "name": rname, "birth_year": None}
        if rby and rng.random() < 0.3:
            entry["birth_year"] = min(rby + rng.choice([0, 0, 0, -1, 1, 2, -2]), REF_YEAR)  # never in the future
        claim["relatives"].append(entry)
    tags.append(f"rel_{min(k, 4)}")
    if rel_corrupt:
        tags.append("rel_names_corrupted")
    other = _other_relative(t, cfg, rng, names or _LEGACY_GIVEN)
    if other is not None:
        claim["relatives"].append(other)
        tags.append("rel_other")
    # aliases
    if t.eth in ("Mông", "Dao") and t.parts[1] and rng.random() < 0.3:
        claim["aliases"].append(f"{t.parts[1]} {t.parts[2]}")
        tags.append("alias_usual")
    kids = [p for rel, p, _b, _e in t.relatives if rel == "child"]
    if kids and rng.random() < 0.3:
        claim["aliases"].append(f"{TEKNONYM_PARENT[t.sex]} {kids[0][2]}")
        tags.append("alias_teknonym")
    if real_alias is not None:
        claim["aliases"].insert(0, real_alias)
    return claim, tags


# =========================================================================== claims from a register

class _Register:
    """Python-side view of a population frame: columns as lists plus name and household indices."""

    def __init__(self, pop: pl.DataFrame):
        df = pop.with_columns(
            pl.col("birth_date").str.extract(r"(\d{4})", 1).cast(pl.Int32, strict=False).alias("_y"),
            pl.when(pl.col("birth_date").str.contains(r"^\d{4}-\d{2}-\d{2}$"))
            .then(pl.col("birth_date").str.slice(5, 2))
            .when(pl.col("birth_date").str.contains(r"^\d{2}/\d{2}/\d{4}$"))
            .then(pl.col("birth_date").str.slice(3, 2)).cast(pl.Int32, strict=False).alias("_m"),
            pl.when(pl.col("birth_date").str.contains(r"^\d{4}-\d{2}-\d{2}$"))
            .then(pl.col("birth_date").str.slice(8, 2))
            .when(pl.col("birth_date").str.contains(r"^\d{2}/\d{2}/\d{4}$"))
            .then(pl.col("birth_date").str.slice(0, 2)).cast(pl.Int32, strict=False).alias("_d"),
        ).with_columns([pl.when(pl.col(k) > 0).then(pl.col(k)).alias(k) for k in ("_m", "_d")])
        links = _LINKS.get(_fingerprint(pop))
        if links is not None:
            df = df.join(links, on="person_id", how="left")
        else:
            df = df.with_columns([pl.lit(None, pl.Utf8).alias(k) for k in ("_father", "_mother", "_spouse",
                                                                           "_lives")]
                                 + [pl.lit(None, pl.Int32).alias(k) for k in ("_ty", "_tm", "_td")])
        self.exact = links is not None
        self.n = df.height
        g = {c: df[c].to_list() for c in (*POPULATION_COLUMNS, "_y", "_m", "_d", "_father", "_mother", "_spouse",
                                          "_lives", "_ty")}
        self.c = g
        self.by_pid = {p: i for i, p in enumerate(g["person_id"])}
        self.by_name: dict[str, list[int]] = {}
        self.by_hh: dict[str, list[int]] = {}
        self.kids: dict[int, list[int]] = {}
        if self.exact:
            for i in range(self.n):
                for col in ("_father", "_mother"):
                    p = g[col][i]
                    if p is not None:
                        self.kids.setdefault(self.by_pid[p], []).append(i)
        for i in range(self.n):
            self.by_name.setdefault(g["full_name"][i], []).append(i)
            if g["household_id"][i]:
                self.by_hh.setdefault(g["household_id"][i], []).append(i)

    def parent(self, i: int, which: str) -> int | None:
        c = self.c
        if self.exact:
            p = c[f"_{which}"][i]
            return None if p is None else self.by_pid[p]
        pid = c[f"{which}_id"][i]
        if pid and pid in self.by_pid:
            return self.by_pid[pid]
        # without true links, trust only the household book (names repeat too much to link by name)
        name, hh = c[f"{which}_name"][i], c["household_id"][i]
        if not name or not hh:
            return None
        y = c["_y"][i]
        same = [j for j in self.by_hh[hh] if j != i and c["full_name"][j] == name
                and (y is None or c["_y"][j] is None or c["_y"][j] <= y - 14)]
        return same[0] if len(same) == 1 else None

    def spouse(self, i: int) -> int | None:
        c = self.c
        if self.exact:
            p = c["_spouse"][i]
            return None if p is None else self.by_pid[p]
        pid = c["spouse_id"][i]
        if pid and pid in self.by_pid:
            return self.by_pid[pid]
        name, hh = c["spouse_name"][i], c["household_id"][i]
        if not name or not hh:
            return None
        same = [j for j in self.by_hh[hh] if j != i and c["full_name"][j] == name
                and c["spouse_name"][j] == c["full_name"][i]]
        return same[0] if len(same) == 1 else None

    def children(self, i: int, spouse_name: str | None) -> list[int]:
        c = self.c
        if self.exact:
            return list(self.kids.get(i, []))
        me, hh = c["full_name"][i], c["household_id"][i]
        own = "father_name" if c["sex"][i] == "M" else "mother_name"
        other = "mother_name" if c["sex"][i] == "M" else "father_name"
        if not hh or c["relation_to_head"][i] not in ("chủ hộ", "vợ", "chồng"):
            return []
        return [j for j in self.by_hh[hh] if c["relation_to_head"][j] == "con"
                and c[own][j] in (None, me) and (not spouse_name or c[other][j] in (None, spouse_name))]

    def relatives(self, i: int) -> list[tuple[str, int]]:
        """[(relation, row)] of registered relatives we can link (father, mother, spouse, child, sibling)."""
        c = self.c
        out: list[tuple[str, int]] = []
        f = self.parent(i, "father")
        m = self.parent(i, "mother")
        s = self.spouse(i)
        if f is not None:
            out.append(("father", f))
        if m is not None:
            out.append(("mother", m))
        if s is not None:
            out.append(("spouse", s))
        for j in self.children(i, c["spouse_name"][i] or (c["full_name"][s] if s is not None else None)):
            out.append(("child", j))
        if self.exact:
            for p in (f, m):
                if p is not None:
                    out += [("sibling", j) for j in self.kids.get(p, []) if j != i]
        else:  # without true links: siblings only when the household says so
            hh = c["household_id"][i]
            if hh and c["relation_to_head"][i] == "con":
                out += [("sibling", j) for j in self.by_hh[hh] if j != i and c["relation_to_head"][j] == "con"]
        seen, uniq = set(), []
        for rel, j in out:
            if j not in seen:
                seen.add(j)
                uniq.append((rel, j))
        return uniq

    def parts(self, j: int) -> tuple[str, str, str]:
        return _split_name(self.c["full_name"][j])


def _registered_truth(reg: _Register, i: int, rng: random.Random) -> tuple[_Truth, list[str]]:
    """The truth about a registered claimant: what they know (their true birth year even where the
    register has it wrong; where they live even where the book stayed in the home commune)."""
    c = reg.c
    rels = reg.relatives(i)
    rel_list = [(rel, reg.parts(j), c["_y"][j], c["ethnicity"][j] or "Kinh") for rel, j in rels]
    linked = {rel for rel, _ in rels}
    # relatives known only by name on the record (dead parents, unregistered in-laws)
    for rel, col in (("father", "father_name"), ("mother", "mother_name"), ("spouse", "spouse_name")):
        if rel not in linked and c[col][i]:
            rel_list.append((rel, _split_name(c[col][i]), None, c["ethnicity"][i] or "Kinh"))
    residence = c["_lives"][i] or c["residence"][i]
    if residence and rng.random() < 0.15:  # moved: lives elsewhere in Đắk Lắk now
        d = _P_MIG["minority"](rng)
        residence = _residence_text(("dak_lak", d, rng.choice(DAK_LAK_PLACES[d])), _ri(rng, 1, 20), rng)
    y = c["_y"][i]
    if y is not None and c["_ty"][i] is not None and c["_ty"][i] != y:
        y = c["_ty"][i]   # the register's year is wrong; the claimant knows better
    t = _Truth(reg.parts(i), c["sex"][i] or "M", y, c["_m"][i], c["_d"][i], c["ethnicity"][i] or "Kinh",
               c["hometown"][i], residence, rel_list)
    return t, [c["person_id"][j] for _rel, j in rels]


def _invented_child_truth(reg: _Register, hh_rows: list[int], rng: random.Random,
                          names: _GivenNames = _LEGACY_GIVEN) -> tuple[_Truth, list[str]] | None:
    """An unregistered child of a registered couple (born at home, never registered)."""
    c = reg.c
    head = next((j for j in hh_rows if c["relation_to_head"][j] == "chủ hộ" and c["sex"][j] == "M"), None)
    wife = next((j for j in hh_rows if c["relation_to_head"][j] == "vợ"), None)
    if head is None or wife is None:
        return None
    kids = [j for j in hh_rows if c["relation_to_head"][j] == "con"]
    my = c["_y"][wife] or c["_y"][head]
    if my is None:
        return None
    lo, hi = my + 18, min(my + 42, REF_YEAR - 14)
    if lo > hi:
        return None
    y = _ri(rng, lo, hi)
    sex = "M" if rng.random() < 0.5 else "F"
    eth = c["ethnicity"][head] or "Kinh"
    sur, hmid, _g = reg.parts(head)
    if eth == "Dao" and sex == "M":
        bro = [reg.parts(j)[1] for j in kids if c["sex"][j] == "M"]
        cyc = DAO_GENERATIONS.get(sur, DAO_GENERATIONS["Lưu"])
        mid = bro[0] if bro else cyc[(cyc.index(hmid) + 1) % len(cyc)] if hmid in cyc else "Văn"
    else:
        mid = _middle(eth, sex, sur, 0, rng)
    taken = {reg.parts(j)[2] for j in kids}
    giv = _given(eth, sex, rng, names)
    for _ in range(5):
        if giv not in taken:
            break
        giv = _given(eth, sex, rng, names)
    sibs = set(kids)
    sibs.update(reg.children(head, c["full_name"][wife]))
    rels = [("father", head), ("mother", wife)] + [("sibling", j) for j in sorted(sibs)]
    rel_list = [(rel, reg.parts(j), c["_y"][j], c["ethnicity"][j] or eth) for rel, j in rels]
    t = _Truth((sur, mid, giv), sex, y, _ri(rng, 1, 12), _ri(rng, 1, 28), eth, c["hometown"][head],
               c["_lives"][head] or c["residence"][head], rel_list)
    return t, [c["person_id"][j] for _r, j in rels]


def _inlaw_parent_truth(reg: _Register, i: int, rng: random.Random) -> tuple[_Truth, list[str]] | None:
    """The parent of a married-in spouse: known to the register only as a name on the child's record."""
    c = reg.c
    which = "father" if rng.random() < 0.6 else "mother"
    name = c[f"{which}_name"][i]
    if not name or reg.parent(i, which) is not None or (not reg.exact and name in reg.by_name):
        return None
    cy = c["_y"][i]
    if cy is None:
        return None
    eth = c["ethnicity"][i] or "Kinh"
    other = c["mother_name" if which == "father" else "father_name"][i]
    rels: list[tuple[str, tuple[str, str, str], int | None, str]] = [("child", reg.parts(i), cy, eth)]
    if other:
        rels.append(("spouse", _split_name(other), None, eth))
    t = _Truth(_split_name(name), "M" if which == "father" else "F", cy - _ri(rng, 19, 36),
               _ri(rng, 1, 12), _ri(rng, 1, 28), eth, c["hometown"][i],
               c["residence"][i] if rng.random() < 0.5 else None, rels)
    return t, [c["person_id"][i]]


def _absent_truths(n: int, seed: int, cfg: WorldConfig | None = None) -> list[_Truth]:
    """Families that are not in the register at all, drawn from the same name distributions."""
    w = _World(seed ^ 0x5EED5, id_salt=9, cfg=cfg)
    rng = random.Random(seed * 7 + 3)
    out: list[_Truth] = []
    while len(out) < n:
        start = len(w.by)
        w.lineage()
        people = [i for i in range(start, len(w.by)) if w.alive[i] and w.cols["household_id"][i]
                  and REF_YEAR - w.by[i] >= 15]
        rng.shuffle(people)
        for i in people[: max(1, len(people) // 6)]:
            rels = []
            for rel, j in (("father", w.father[i]), ("mother", w.mother[i]), ("spouse", w.spouse[i])):
                if j >= 0:
                    rels.append((rel, w.parts[j], w.by[j], w.cols["ethnicity"][j]))
            for j in range(start, len(w.by)):
                if j != i and (w.father[j] == i or w.mother[j] == i):
                    rels.append(("child", w.parts[j], w.by[j], w.cols["ethnicity"][j]))
                elif j != i and w.father[i] >= 0 and w.father[j] == w.father[i]:
                    rels.append(("sibling", w.parts[j], w.by[j], w.cols["ethnicity"][j]))
            out.append(_Truth(w.parts[i], w.cols["sex"][i], w.by[i], w.bm[i], w.bd[i], w.cols["ethnicity"][i],
                              w.cols["hometown"][i], w.cols["residence"][i], rels))
    return out[:n]


def generate_claims(population: pl.DataFrame, n: int, seed: int = 0,
                    mix: ClaimMix | tuple[float, float, float] | None = None, *,
                    population_seed: int | None = None,
                    config: WorldConfig | None = None) -> tuple[list[dict], pl.DataFrame]:
    """`n` claims in SPEC JSONL form against `population`, with ground truth.

    Kinds: `registered` (the claimant is a row of `population`), `absent_relatives` (the claimant is not in
    `population` but relatives are: an unregistered child of a registered couple, or the parent of a
    married-in spouse known only by name), `absent` (a whole family outside the register whose names
    collide with registered people). Unregistered claimants are never rows of `population`, so the
    same frame is what you index.

    Returns (claims, truth) with truth columns TRUTH_COLUMNS; `relative_ids` and `corruptions` are
    ';'-joined.

    Exact family links (for `relative_ids`) are known for registers generated in this process; for a
    register read back from a file pass `population_seed` (the seed it was generated with, and the same
    `config`) to recover them, otherwise relatives are linked only through ids and household books
    (fewer, never wrong).

    `config` (WorldConfig; None = legacy) sets the claim side of the world: registration rate (when `mix`
    is not given), corruption, richness and the widened name forms. Use the config the population was
    generated with.
    """
    cfg = config if config is not None else _LEGACY
    if mix is None:
        mix = cfg.mix() if config is not None else ClaimMix()
    if population_seed is not None and _fingerprint(population) not in _LINKS:
        regen = generate_population(population.height, population_seed, config)
        if _fingerprint(regen) != _fingerprint(population):
            raise ValueError(f"generate_claims: population_seed={population_seed} does not reproduce this "
                             f"population of {population.height:,} rows; pass the seed it was generated with")
    if isinstance(mix, tuple):
        mix = ClaimMix(*mix)
    tot = mix.registered + mix.absent_relatives + mix.absent
    if tot <= 0:
        raise ValueError("generate_claims: mix shares must sum to a positive number")
    n_abs = round(n * mix.absent / tot)
    n_rel = round(n * mix.absent_relatives / tot)
    n_reg = n - n_abs - n_rel
    rng = random.Random(seed * 1_000_003 + 17)
    reg = _Register(population)
    c = reg.c
    names = _GivenNames(config)
    pick = _ClaimPickers(cfg)
    items: list[tuple] = []  # (kind, truth, person id, relative ids, household id, source tag)

    # 1. registered claimants: adults and teenagers, minorities over-represented (they lack papers)
    weights = []
    for i in range(reg.n):
        y = c["_y"][i]
        if y is not None and y > REF_YEAR - 14:
            weights.append(0.0)
        else:
            weights.append(3.0 if (c["ethnicity"][i] or "Kinh") != "Kinh" else 1.0)
    cum = list(accumulate(weights))
    picked: set[int] = set()
    while len(items) < n_reg and cum and cum[-1] > 0:
        i = bisect.bisect_right(cum, rng.random() * cum[-1])
        if i in picked or i >= reg.n:
            continue
        picked.add(i)
        t, rel_ids = _registered_truth(reg, i, rng)
        src = None
        if c["_ty"][i] is not None and c["_y"][i] is not None and c["_ty"][i] != c["_y"][i]:
            src = "reg_year_error"
        if c["_lives"][i]:
            src = "reg_book_elsewhere" if src is None else f"{src};reg_book_elsewhere"
        items.append(("registered", t, c["person_id"][i], rel_ids, c["household_id"][i], src))

    # 2. claimant unregistered, relatives registered
    hh_keys = list(reg.by_hh)
    spouses_in = [i for i in range(reg.n) if c["relation_to_head"][i] in ("vợ", "chồng", "con dâu", "con rể")]
    made = 0
    tries = 0
    while made < n_rel and tries < 50 * max(n_rel, 1):
        tries += 1
        if rng.random() < 0.7 and hh_keys:
            hk = rng.choice(hh_keys)
            res = _invented_child_truth(reg, reg.by_hh[hk], rng, names)
            hh, src = hk, "src_unregistered_child"
        elif spouses_in:
            i = rng.choice(spouses_in)
            res = _inlaw_parent_truth(reg, i, rng)
            hh, src = c["household_id"][i], "src_inlaw_parent"
        else:
            res = None
        if res is None:
            continue
        t, rel_ids = res
        items.append(("absent_relatives", t, None, rel_ids, hh, src))
        made += 1

    # 3. nobody registered
    for t in _absent_truths(n_abs, seed, config):
        items.append(("absent", t, None, [], None, None))

    rng.shuffle(items)
    claims, rows = [], []
    width = max(4, len(str(len(items))))
    for k, (kind, t, pid, rel_ids, hh, src) in enumerate(items, start=1):
        cid = f"C-{k:0{width}d}"
        claim, tags = _make_claim(cid, t, rng, name_first_relative=kind == "absent_relatives", cfg=cfg,
                                  pick=pick, names=names)
        if src:
            tags += src.split(";")
        claims.append(claim)
        rows.append((cid, kind, pid, ";".join(rel_ids), hh, ";".join(tags)))
    truth = pl.DataFrame(rows, schema={k: pl.Utf8 for k in TRUTH_COLUMNS}, orient="row")
    return claims, truth


# =========================================================================== files

_FLAT_REL = {"father": "father_name", "mother": "mother_name", "spouse": "spouse_name",
             "child": "children_names", "sibling": "sibling_names"}
FLAT_CLAIM_COLUMNS = ("claim_id", "name", "aliases", "sex", "birth_date", "birth_year", "birth_year_min",
                      "birth_year_max", "age", "recorded_on", "zodiac", "ethnicity", "claimed_hometown",
                      "residence", "father_name", "mother_name", "spouse_name", "children_names", "sibling_names")


def flatten_claims(claims: list[dict]) -> pl.DataFrame:
    """The flat CSV form of claims (SPEC §2): relatives as name columns, several names ';'-joined."""
    rows = []
    for cl in claims:
        r = {k: cl.get(k) for k in FLAT_CLAIM_COLUMNS if k in cl}
        r["aliases"] = ";".join(cl.get("aliases") or []) or None
        for col in _FLAT_REL.values():
            r[col] = None
        for rel in cl.get("relatives") or []:
            col = _FLAT_REL.get(rel["relation"])
            if col is None:   # grandparent, uncle ...: the flat form has no column for them
                continue
            r[col] = rel["name"] if not r[col] else f"{r[col]};{rel['name']}"
        rows.append({k: (None if r.get(k) is None else str(r[k])) for k in FLAT_CLAIM_COLUMNS})
    return pl.DataFrame(rows, schema={k: pl.Utf8 for k in FLAT_CLAIM_COLUMNS})


def write_dataset(out_dir: str | os.PathLike, people: int = 200_000, claims: int = 2_000, seed: int = 0,
                  *, mix: ClaimMix = ClaimMix(), parquet: bool = True, progress=None
                  ) -> dict[str, Path]:
    """Generate and write population.parquet, population.csv, claims.jsonl, claims.csv and truth.csv into
    `out_dir`. Returns the written paths.

    claims.csv holds the same claims as claims.jsonl, in the flat form (SPEC §2): relatives as name
    columns, so their birth years are only in claims.jsonl. `progress`: a progress callback
    (`reconcile.progress`), one step per stage."""
    from reconcile.progress import resolve

    say = resolve(progress)
    steps = 4
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    say("generate", 0, steps)
    pop = generate_population(people, seed)
    say("generate", 1, steps)
    cl, truth = generate_claims(pop, claims, seed, mix)
    say("generate", 2, steps)
    paths = {k: out / f for k, f in (("population_parquet", "population.parquet"),
                                      ("population_csv", "population.csv"), ("claims_jsonl", "claims.jsonl"),
                                      ("claims_csv", "claims.csv"), ("truth_csv", "truth.csv"))}
    if parquet:
        pop.write_parquet(paths["population_parquet"])
    else:
        del paths["population_parquet"]
    pop.write_csv(paths["population_csv"])
    say("generate", 3, steps)
    with open(paths["claims_jsonl"], "w", encoding="utf-8", newline="\n") as fh:
        for c in cl:
            fh.write(json.dumps(c, ensure_ascii=False) + "\n")
    flatten_claims(cl).write_csv(paths["claims_csv"])
    truth.write_csv(paths["truth_csv"])
    say("generate", steps, steps)
    return paths

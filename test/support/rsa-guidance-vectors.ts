/**
 * Known answers for RSAES-PKCS1-v1_5 decryption with implicit rejection: the 4096-bit test key and vectors of
 * draft-irtf-cfrg-rsa-guidance ("Implementation Guidance for the PKCS #1 RSA Cryptography Specification"),
 * Appendix B.4 — valid ciphertexts with their messages, and invalid ones with the synthetic message the draft's
 * key derivation (from the private exponent) gives.
 */
export const RSA_GUIDANCE_KEY_PEM = [
  "-----BEGIN PRIVATE KEY-----",
  "MIIJQQIBADANBgkqhkiG9w0BAQEFAASCCSswggknAgEAAoICAQCP3jlT5VxITxxC",
  "Sq7JA99vOdMNsWBSloAaGC0650aOGSezhv550foWGyiU+Gixo3XzGcMGs7vaX8tF",
  "oROlVw6yRzGAz+ERn6B8JeRojKJV4hWmrFa8EQfuJDPM6EXLb1X2u4wwDpwDs0IV",
  "c4jUD6ekXTsNEFW0mjw7CkRLcnGXFUFDXj/J8pVveF5cxtFZi5+JwcE79MX+8TEH",
  "8OAW9W11O9svcPFuzHUI0gv1BixcZIvVu0pzVcQpNeKv41ZZW20PNOpynI7JjOjC",
  "f4ebGZx03y4i7jA2LpLznbjcmiT1Ge1a/NHS6BriA//9gCjcAvgdO/Sws7rEJLEH",
  "JQ0gmMBuSt3yaQpOdrejmXNX2Cvz6ewQ16i4hiq8AramcyiRIVHjsfQJWMeirYX7",
  "ZCsrCVRt0WGE9PPUxo/mDIZ3CpQ0IRwNxCwuJO35AqLtTUaFXhRW5l/W/hbVbaTj",
  "yAmd2W57LCFjPh7S41zECRl6zuf7keGbad094Tkm8dr+/N47mAtP8C+Q2YBIEsxO",
  "qYobVlAP/Rznsq6ScUyKagMdKby38EewybvOcN/g4fDbBs7a+Jdp1Y4cFT7ugTet",
  "ig+yHJlJgjbQQYA8sjwAPeZRArmnMsOBvEG+F8tLIRmT9iIG7AV8cVdQ1c0xq2e+",
  "bIZV6kq1pstAEcKJs2wS3hr3oI7dDQIDAQABAoICABUFM5wZ9XdNM8RN1CbjrXg7",
  "WyZzha7bdYEaijVCiHEHpODatwDGmMM1GaNWfjmCOCAaYf/vL+HSwEj+pXexdiC/",
  "PTDkbq6cA59QDATok2l3/JDbOlsFJAL8ACOOxm/YZxeDRJLa95mkzeGDfXj6hpSB",
  "2LhqbBNUu7smn17krEsWXHBC65AOpR3h2Ou2Uu1B9L/0cs7XTzyWMgNGgv9nwaPw",
  "6HAQkP4O2oS85+lXixC+0h2a3WBnph8dU+8+CKZKsO8ZXK39SPGS6IlOh9o2DkGX",
  "QE7zPVEVUfxNTa7RyNeU/7SdHu0xY4glbHg2CwJGXskqsvBEemPhNopkM/xQxUDA",
  "AoJ3HsNbpXsp+V4HjijdV47ncQBPr2O3Ln/V3nVqgJJ88MWqC3kfDMwtE+b8yLE3",
  "RJ8Tqb+Rih0Zr/4AfRNlSZzzmUKbN39f9swLzv5BJMuBhbq2W/019xb+b+Jq/o5p",
  "NgUKVImnvJ+Pm0tFaMHWKE3LHOib3o4D19bVHfkEXXeFwy2Dul/imDwOQqEu4Gei",
  "3mkzIEEA2f4Tl17ta62kdNn73lgpdtEqE0DNq9yQpK7itxRjTlwGQShLzYJaD9bz",
  "TIgx5H+0FIGO4yzO5BJelPSFNg646BpiZsKGPy9PhYhA2UKPvKwbYhdEub3pO4pu",
  "aSn9WE6hFrtphmzrs0+DAoIBAQDJmfE5qhyZdUlhG4a6gCzirXlYRG0LESf5pqJT",
  "IT7nfCV25j7ir3hXqVA3M4zXNDP0jtDUFUlmvs2Iwte4cvybmbnlCYYCaMvienq2",
  "soT9S+wRWT1ituC+xg9w9JAdkrdm55A/r+ioxeAID1OKdlmOtGxyb9vusNvLM/xq",
  "yjciOvx/hYzRTnVme2qVuCfxo3WgFneLmT3KgZqeKI4bklP5ZCiqmtWrVE5JV7FA",
  "5yeuvqt5hpKwnYLCyWpyrX6ZiWW4NoZQEgT7nvyAxlJXsxibhXK0VLIJbFyFOyRF",
  "XzHJblcyFKt2FEyqKY8Uo9vhFpm4YSU2/h4/BRpEbxZ60pPLAoIBAQC2sDpoWubg",
  "FYJ76iZ0rLce+UnRw7fiySz73Pcirky7ohduawM83VuG6MlxYTgTrvNFKQxRt/kg",
  "b9SZmqVj4TCdPG+rlbfh31nCs5o7tIXVwpXJYF6Zw+3XFcVQfs6yOKGED7kvcxlv",
  "c0IogRY7VwL+2uUPY8P2pSubRh46ojCk2rBPnUvAOiywuVp/8ce4vWD4OE9qMGxL",
  "tQCtWcNQc7IloopxD/6JxDvbi3AkLmhnZTwVQ1pvsTLxSftBeDMtBihwyYkzKp2q",
  "LQ77z+ROQjxWNueGlJiyLiISy5OpfzftrEI7HbbRijFfIW1wpBLktjJc+V3TQpvw",
  "81DfPWz7HSeHAoIBABbkhkH4ETtT2DtQtuHiwDYVYNwnGQLStelhhLlP4ybCMDbq",
  "OmXfaxj5PwSls+6UHPo+ZXRP3n/uVsSa64gkdo7sy/E4PaF0aQKUye6JIxToVCw8",
  "J/5Xqfm/3+0BuIPDL1ReI0E4JoFTxvbjVqc4fT75Of9cuGrIZo0SoC04PT6D2Dxa",
  "2/zAnhA/H4FU4iRMXYUKSBTwF9YxFW+0Rz7WRPbi6sNExdKoxiMJ9DTciuMK/8nT",
  "AEFSAZFA8feHwAKLWaOrfWEGSs6P5ThyTNNsoPS4GKhlnbn4NiFi7+F4x9yJzRkA",
  "w9+qunHwOjEr0kIjIN2RGnq+LI0XdT4kJzdXRjUCggEAUs9hOmpyGwNFCXxjACJG",
  "Q6EGiDIqiX9dh7FqyOqvV6Iq8t9JMW65jVa58U37SFjWZvQrZGN7ZuuqOBJ0g+jQ",
  "y4VYrTOJjbZbjrkw4X176SByGz02xIaeqg9xSIKimQC4ng8uh0aqMe3SAGA7Ppy7",
  "e+CnUimL66KFOLY4/6UDXcbPgtcvPixgk58BWdu0B5a4fOuxe9YFUO/0JZ/5u98l",
  "0o9yJ7vzSmmMJIF5TL1IkA3AhXbpaJWvHNbHMK8Wq4MOE8oXCf14SGpyT0y2FY9K",
  "oF305vk2mhX1VgW3om5LYM3jm75lX2g/5vpVDGkjM08vVxumHxwjab4xW3ARlWZq",
  "wwKCAQBbs6Gt0843wVJcNkrQiOTLL8HewV8N9LNf3miAO4/2VgSYyO+Y8xjE/xyt",
  "eQRE9ZKrqKb1L192w7vEgd7+a9vwoLlxeLbV7oUwG+gp+aVt5GNPW05mAgUynsEn",
  "zNrdC+Ng9GkXzygYfky2b/ErNicJfQtoubfCSvcHL2R9Fk6dY3B9FdjkJvfjv/SL",
  "se+aEl3AWJnAnpM3KtjY5qje+R/m6f5NkHvECiV/rCu0Bz8+gGpo4MlFKtsz27by",
  "3NyzfWoQ0h6Fcz+AbrxqdMw3JRLoIRhhlC7XMnaCP2hphOd9exTRJYBvRSXTSyDY",
  "q4gl5hM8H5F0iWcKq25nZYHamz7f",
  "-----END PRIVATE KEY-----",
].join("\n");
export const RSA_GUIDANCE_VECTORS: Array<{ id: string; ciphertext: string; plaintext: string }> = [
  {
    id: 'B.4.2 (valid: "lorem ipsum")',
    ciphertext:
      "041f9bbe8372454ffadce0befc99ad4bd01cdbe016dffb5d0d84ee879e7ff64a25dced4d504f48a14b700a34a1c148e4" +
      "b4028eecc9158cf5e3469daad1dddb2157b176dcf5716627aebd6072b965cfb67b42b149e88c0a8dc54703ec244637b3" +
      "039b80c06d1d4968aeb838f3afcd3dc675fc90736cf0f0adaba182e27a19a7294cef500ed1fcca324c3ffa6ff02bd749" +
      "a4a66f18da138d53ff549c4e6b3fff0b9ee2029ea8293fcd72a03e1dee4445629979be7fd65e5dbe5e6e77ec2aa87879" +
      "a01c3e2502af0cc4bc04b637d17b175d92b4dcd70cfe83b6c1d4f91c61e911b81cb6d60b99146f17937d127054521b13" +
      "2acb9ca95cbc6f80cd926d709bd7219d48ce7378e4416328a49be6c773dbdeb00ce23dc91f25f4807526cf4de8dd3fbb" +
      "13ae1011eefe3a2aad9982f6c9268883b4633057d119c97c1178aae671859af0a488ab7b841c6583572d1261137a4292" +
      "ba1c1caa4baf808be42075940d7e612efa56ac9a7ffff3e7dbf10b6193ea14c4841fc5c43e031a69ddbd79118ccd92b1" +
      "6a6ef66c7404c001ebc6402301a90248eb6562b7a2f549f52c058109dd5f2617877719ad13e81d19425a4cd5cf9e56e8" +
      "538f5cb09b6f7ab646910b8c2ff6bf8cf17abdb4758bfba80df9f643950a6d4a8f60c6872700e5919d36503486667e43" +
      "28a6b74b774eb483a9922706baa7f456644781cc0d78add9024e28da2d5e9d81",
    plaintext: "6c6f72656d20697073756d",
  },
  {
    id: "B.4.3 (valid: empty message)",
    ciphertext:
      "31529676f990b750e8b742babe933346bd77610e7ea74a6b815bb06ee3c91a376848a4d8b148c2882d65ca0213e68600" +
      "354b68b7790110ed744e34786fa5f7b703144a12f7f7a4d5402ef048f248fec83dede7f931bcb872054fd25cfe427984" +
      "0352f2c495bcb511cf20269d8177baba474e790a2d16b655c4e07b28ad6a61e81ce5db3845cb5395aa4affa413e3f1bd" +
      "ecf3fa0aa3073b40d23e9bb0aa7cf3595bd73d1d38a2661d70a8e4ef525fd446f496ddbe5413657c06d51464977421e0" +
      "57387a92a5b9428d02d1a8fb0d50a1623e1b1d0685c371db24b63dd6a4aebf0e31c637997ae26dbd3441b9f7dce164d9" +
      "48a156aee8c9dc4049286244c85178f7b4f49d3ba0870f7c71f8f546a902a559fd860ed61e550c4143907d118a15f317" +
      "e9ccd84ce3893db372fff1d9a9e5182258d9f9d840a6b75b1618ce4999734d147f5334763c0b87ca1c8e57c6f923cff9" +
      "c7107eea45cf5d4fae0ec0b94e892a6f6790b07f9e24bff041620b1fb47bcefb956ba61949fea02db6ec785b4070e84f" +
      "390234d83d17dbf89819d5c6b52a488f36cd9f8d81e1811bbadbd6756b9ec5fbdcc1d32728efc8ef4318463996c0f829" +
      "f9064436580f9502af97b1e40c854b0ef0a20da4368e5b94327b62c27a8a1cf6103bc780e06e5ee5232624fe5bee59fe" +
      "79a3956a7d782380a3398eab6d11f618fc2c698eb28a6029f846c378ecf2d102",
    plaintext: "",
  },
  {
    id: "B.4.7 (invalid padding: synthetic)",
    ciphertext:
      "00cd3bf408c742514e30ebfd001708e01f42de439a09d0d4b10044628becd8bc690c45b967a6a900d6259c7d7d20ad49" +
      "810c270d2fe1b75ffaa84f50071f64d1696bce76e96dbcf2af054d77ded54c742aa38fadba52eebf7a5c8b6dbbf01f28" +
      "b3ebf4e9b3ca453c92ca8b65771c23671b9da85c51e7a2987395de45b125353d430820b4c90b0ab9fc29e1c576a0ec35" +
      "828c99c9880e208ecddf80bdaa9c3474561e4c5bf67bf5d144b173f4f28edd1064a9dd8cf5f40b7c35e7e4dbeb370cca" +
      "bf06efb54e243645b902871a804c27904a620f31ef321af4d1589ca359de889524dfb43ddad51ab50617ab79a50a2d20" +
      "e2325a05c9963602f2a1d7feaffc80d2b8b88cbd3673531c399342f0bf1c04521d9a441c06593d9e95771129da942d83" +
      "bb81c627a50c8baafc2a731d97f2e1f638217f9f7b18f2644578fde5073a54a8988fda357c64398a95965a7dd35ffdd7" +
      "eb7495d4d1c9a950a0cd208a68371829420633cb25e9da9e22b215e50f6ec2714f94ce6abb9a94fbbf6cd18f2fd5bfb7" +
      "8076034b88186957428fe0ea5e1dec7be31d753f155e2a8f7f4854a726612f43ef91f88124011cd32f6841a347dc0411" +
      "d708db65492ec277b81a335b76a862302acebf7db7cac724144c975ed4d91412eeec4cac3b2409696e3678cffcb7756b" +
      "de795c55f72da44f325b71dd6ac4e3c1ef512ee8ff24ab316507c6ac60031569",
    plaintext: "59ccd9c2cfe740e9287b",
  },
  {
    id: "B.4.8 (invalid padding: synthetic)",
    ciphertext:
      "09f010936fd77967dd2aa090be72ecdd8cb2b2a9fb954e644f08a1c1fd5450007ece0b4e8e992831534309419c034b1c" +
      "4b369269b808a890eac31d5bbfe73737fd716e117e19638064292539e84dae20ec1d98ecd104e6c88d39d3544d5c43c9" +
      "fd4e9f4361c67116516fc2569f96e5df50a63e949d92009a7c865c7dd70ea89c0002dd697dcd0e0304f8fa0738a36813" +
      "22e672a9748f9d9eb1b7b8c1646a7bf2a1967b2aa9793ae0ecdbaa2d601350fd931ea164bc02a33a9c22cee47f2d536d" +
      "92e465180b44e310bf044eec49cc54972d22e735123fbee76496a4c768acef8966ae9e0ed46b753ec47e20a89af0ccf7" +
      "8c266aeb63aeb99d80e4c34bc4608e164aeffd93e886accd426e9e1cfee4f912f235940a9b8d4554953bee8753b8fe05" +
      "606fe5f46da70394b10f7e71dba3c10becf85a1f4ee619d421ef69fca837d8b1b42598dea0232668b9c42223d77bae7f" +
      "be79a9dbf057eeaa51fceac114661a3b572130776c36cfff9f134b08907ab2a6f927145806a779bc55bfb4215cb8c85d" +
      "ecaec5b15cd0a4be691b13e068a2381c33fb5adbdb564fd8be0938fdd710590c08f95aa4ea90cc2cea195ef7a344e147" +
      "15beff2186ad7d898e8f904861ab9133817a13d8a6af23f83a89e5e1e7f8e163d6190e91a09c11939e3a7d48990b8e3b" +
      "5c0e01b773ba683f7df73b2f88746593c010cd9cab2ea3d9af5ebf30fba1ef0c",
    plaintext: "0cfdf702efa4dc6bc686",
  },
];

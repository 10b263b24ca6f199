// Generator detection and parsing, one rule at a time, on hand-made images;
// and the artifacts an import writes.
#include <gtest/gtest.h>

#include "expect_error.hpp"
#include "image_fixtures.hpp"
#include "raiiaf/import.hpp"
#include "raiiaf/reader.hpp"
#include "raiiaf/errors.hpp"
#include "test_support.hpp"

namespace raiiaf {
namespace {

using namespace raiiaf::testing;

FileBytes png_with_texts(const std::vector<std::pair<std::string, std::string>>& texts) {
    std::vector<FileBytes> chunks;
    for (const auto& [key, value] : texts) chunks.push_back(png_chunk("tEXt", text_chunk_data(key, value)));
    return png_with_chunks(small_png(), chunks, false);
}

Json record_of(const FileBytes& image) { return read_generation_metadata(image).record; }

// ---- A1111 infotext ---------------------------------------------------------------

TEST(ImportA1111, PromptNegativeAndParameters) {
    const Json r = record_of(png_with_texts({{"parameters",
                                              "a cat,\nin goggles\nNegative prompt: blurry,\nugly\n"
                                              "Steps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.5, "
                                              "Seed: 18446744073709551615, Size: 832x1216, Model hash: abc123, "
                                              "Model: sdxl_base, Version: f2.0.1v1.10.1"}}));
    EXPECT_EQ(r["generator"], "automatic1111");
    EXPECT_EQ(r["software"], "forge f2.0.1v1.10.1");
    EXPECT_EQ(r["prompt"], "a cat,\nin goggles");
    EXPECT_EQ(r["negative_prompt"], "blurry,\nugly");
    EXPECT_EQ(r["seed"].get<std::uint64_t>(), 18446744073709551615ull);  // exact, not through a double
    EXPECT_EQ(r["steps"], 30);
    EXPECT_EQ(r["cfg_scale"], 7.5);
    EXPECT_EQ(r["sampler"], "DPM++ 2M");
    EXPECT_EQ(r["scheduler"], "Karras");
    EXPECT_EQ(r["width"], 832);
    EXPECT_EQ(r["height"], 1216);
    EXPECT_EQ(r["model"], (Json{{"name", "sdxl_base"}, {"hash", "abc123"}}));
}

TEST(ImportA1111, LastLineNeedsThreeMatchesToBeParameters) {
    // Two "key: value" matches only: the line is part of the prompt, so no parameters at all.
    const FileBytes two = png_with_texts({{"parameters", "a cat\nStyle: noir, Mood: calm"}});
    EXPECT_FALSE(read_generation_metadata(two).recognised());
    const Json three = record_of(png_with_texts({{"parameters", "a cat\nStyle: noir, Mood: calm, Steps: 5"}}));
    EXPECT_EQ(three["prompt"], "a cat");
    EXPECT_EQ(three["steps"], 5);
}

TEST(ImportA1111, QuotedValuesAreJsonStringsWithCommasInside) {
    const Json r = record_of(png_with_texts(
        {{"parameters", "p\nSteps: 4, Lora hashes: \"lcm: 1a2b, detail: 3c4d\", Sampler: \"Euler \\\"a\\\"\", Seed: 9"}}));
    EXPECT_EQ(r["steps"], 4);
    EXPECT_EQ(r["sampler"], "Euler \"a\"");
    EXPECT_EQ(r["seed"], 9);
}

TEST(ImportA1111, JpegUserCommentUtf16LittleEndian) {
    const std::u16string infotext = u"a fox\nSteps: 12, Sampler: Euler a, Seed: 77, Size: 512x768";
    const FileBytes jpeg = minimal_jpeg(exif_block({}, unicode_user_comment(infotext, false), false, true));
    const Json r = record_of(jpeg);
    EXPECT_EQ(r["generator"], "automatic1111");
    EXPECT_EQ(r["prompt"], "a fox");
    EXPECT_EQ(r["seed"], 77);
    EXPECT_EQ(r["height"], 768);
}

TEST(ImportA1111, JpegCommentWhenThereIsNoExif) {
    const FileBytes jpeg = minimal_jpeg({}, "an owl\nSteps: 8, Sampler: Heun, Seed: 31337");
    const Json r = record_of(jpeg);
    EXPECT_EQ(r["generator"], "automatic1111");
    EXPECT_EQ(r["seed"], 31337);
    EXPECT_EQ(read_generation_metadata(jpeg).texts.at(0).source, "jpeg:COM");
}

TEST(ImportA1111, ITxtAfterTheImageData) {
    const FileBytes png = png_with_chunks(
        small_png(),
        {png_chunk("iTXt", itxt_chunk_data("parameters", "\xE7\x8C\xAB\nSteps: 3, Sampler: Euler, Seed: 1", true))},
        true);
    const Json r = record_of(png);
    EXPECT_EQ(r["prompt"], "\xE7\x8C\xAB");
    EXPECT_EQ(r["steps"], 3);
}

// ---- other families ------------------------------------------------------------------

TEST(ImportFamilies, SwarmUiWinsOverItsComfyGraph) {
    const Json r = record_of(png_with_texts(
        {{"prompt", R"({"1": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 2}}})"},
         {"parameters", R"({"sui_image_params": {"prompt": "p", "seed": 5, "steps": 6, "cfgscale": 7, "model": "m",
            "sampler": "euler", "width": 64, "height": 32}})"}}));
    EXPECT_EQ(r["generator"], "swarmui");
    EXPECT_EQ(r["seed"], 5);
    EXPECT_EQ(r["model"]["name"], "m");
}

TEST(ImportFamilies, FooocusBothSchemesAndRuinedFooocus) {
    const Json json_scheme = record_of(png_with_texts(
        {{"parameters", R"j({"prompt": "p", "negative_prompt": "n", "steps": 30, "guidance_scale": 4.0,
            "seed": "6952411511246973023", "resolution": "(896, 1152)", "sampler": "dpmpp_2m_sde_gpu",
            "scheduler": "karras", "base_model": "juggernautXL", "base_model_hash": "abcd", "version": "Fooocus v2.5.5"})j"},
         {"fooocus_scheme", "fooocus"}}));
    EXPECT_EQ(json_scheme["generator"], "fooocus");
    EXPECT_EQ(json_scheme["seed"].get<std::uint64_t>(), 6952411511246973023ull);
    EXPECT_EQ(json_scheme["width"], 896);
    EXPECT_EQ(json_scheme["height"], 1152);
    EXPECT_EQ(json_scheme["model"], (Json{{"name", "juggernautXL"}, {"hash", "abcd"}}));

    const Json a1111_scheme = record_of(png_with_texts(
        {{"parameters", "p\nSteps: 30, Sampler: DPM++ 2M SDE Karras, Seed: 6952411511246973023, Version: Fooocus v2.5.5"},
         {"fooocus_scheme", "a1111"}}));
    EXPECT_EQ(a1111_scheme["generator"], "fooocus");
    EXPECT_EQ(a1111_scheme["seed"].get<std::uint64_t>(), 6952411511246973023ull);

    const Json ruined = record_of(png_with_texts(
        {{"parameters", R"({"Prompt": "p", "Negative": "n", "steps": 20, "cfg": 8, "width": 1024, "height": 768,
            "seed": 12, "sampler_name": "dpmpp_2m", "scheduler": "karras", "base_model_name": "sdxl.safetensors",
            "software": "RuinedFooocus"})"}}));
    EXPECT_EQ(ruined["generator"], "ruinedfooocus");
    EXPECT_EQ(ruined["sampler"], "dpmpp_2m");
    EXPECT_EQ(ruined["model"]["name"], "sdxl.safetensors");
}

TEST(ImportFamilies, InvokeAiLegacySdMetadata) {
    const Json r = record_of(png_with_texts(
        {{"sd-metadata", R"({"model_weights": "stable-diffusion-1.5", "model_hash": "cc6cb27103", "app_version": "2.3.0",
            "image": {"prompt": [{"prompt": "a castle [fog, blur]", "weight": 1}], "steps": 50, "cfg_scale": 7.5,
            "seed": 42, "width": 512, "height": 512, "sampler": "k_lms"}})"}}));
    EXPECT_EQ(r["generator"], "invokeai");
    EXPECT_EQ(r["prompt"], "a castle");
    EXPECT_EQ(r["negative_prompt"], "fog, blur");
    EXPECT_EQ(r["model"], (Json{{"name", "stable-diffusion-1.5"}, {"hash", "cc6cb27103"}}));
}

TEST(ImportFamilies, NovelAiFromStealthAloneWhenTheChunksWereStripped) {
    const std::string payload =
        R"({"Description": "a girl", "Software": "NovelAI", "Source": "NovelAI Diffusion V4 4F49EC75",
            "Comment": "{\"prompt\": \"a girl\", \"uc\": \"lowres\", \"steps\": 28, \"scale\": 5.0, \"seed\": 3000000000, \"sampler\": \"k_euler_ancestral\", \"noise_schedule\": \"karras\", \"width\": 832, \"height\": 1216}"})";
    const auto pixels = stealth_pixels("stealth_pngcomp", zlib_compress(payload, true), 64, 64, true);
    const FileBytes png = encode_png(pixels, 64, 64, true);
    const GenerationMetadata found = read_generation_metadata(png);
    ASSERT_TRUE(found.recognised());
    EXPECT_EQ(found.record["generator"], "novelai");
    EXPECT_EQ(found.record["seed"], 3000000000u);
    EXPECT_EQ(found.record["scheduler"], "karras");
    EXPECT_EQ(found.record["model"], (Json{{"name", "NovelAI Diffusion V4"}, {"hash", "4F49EC75"}}));
    ASSERT_EQ(found.texts.size(), 1u);
    EXPECT_EQ(found.texts[0].source, "stealth:pngcomp");
    EXPECT_EQ(found.texts[0].text, payload);
    EXPECT_FALSE(read_generation_metadata(png, {StealthSearch::never, {}}).recognised());
}

// ---- ComfyUI graphs -------------------------------------------------------------------

TEST(ImportComfy, SamplerCustomAdvancedThroughItsHelperNodes) {
    const std::string graph = R"({
      "1": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors"}},
      "2": {"class_type": "LoraLoaderModelOnly", "inputs": {"model": ["1", 0], "lora_name": "x.safetensors"}},
      "3": {"class_type": "CLIPTextEncode", "inputs": {"text": ["20", 0], "clip": ["9", 0]}},
      "20": {"class_type": "PrimitiveString", "inputs": {"value": "a red fox"}},
      "4": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["9", 0]}},
      "5": {"class_type": "CFGGuider", "inputs": {"model": ["2", 0], "positive": ["3", 0], "negative": ["4", 0], "cfg": 3.5}},
      "6": {"class_type": "RandomNoise", "inputs": {"noise_seed": ["21", 0]}},
      "21": {"class_type": "PrimitiveInt", "inputs": {"value": 1234567890123}},
      "7": {"class_type": "KSamplerSelect", "inputs": {"sampler_name": "euler"}},
      "8": {"class_type": "BasicScheduler", "inputs": {"model": ["2", 0], "scheduler": "simple", "steps": 25, "denoise": 1.0}},
      "10": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 768, "batch_size": 1}},
      "11": {"class_type": "SamplerCustomAdvanced", "inputs": {"noise": ["6", 0], "guider": ["5", 0], "sampler": ["7", 0],
             "sigmas": ["8", 0], "latent_image": ["10", 0]}}
    })";
    const Json r = record_of(png_with_texts({{"prompt", graph}}));
    EXPECT_EQ(r["generator"], "comfyui");
    EXPECT_EQ(r["primary_sampler_id"], "11");
    EXPECT_EQ(r["seed"], 1234567890123u);
    EXPECT_EQ(r["steps"], 25);
    EXPECT_EQ(r["cfg_scale"], 3.5);
    EXPECT_EQ(r["sampler"], "euler");
    EXPECT_EQ(r["scheduler"], "simple");
    EXPECT_EQ(r["prompt"], "a red fox");
    EXPECT_EQ(r["negative_prompt"], "blurry");
    EXPECT_EQ(r["model"]["name"], "flux1-dev.safetensors");
    EXPECT_EQ(r["width"], 1024);
    EXPECT_EQ(r["height"], 768);
    EXPECT_EQ(r["samplers"][0]["latent"], (Json{{"class_type", "EmptySD3LatentImage"}, {"node", "10"},
                                                 {"width", 1024}, {"height", 768}}));
}

TEST(ImportComfy, SecondPassIsNotPrimaryAndControlNetOutputsSplit) {
    const std::string graph = R"({
      "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "base.ckpt"}},
      "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "pos", "clip": ["4", 1]}},
      "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "neg", "clip": ["4", 1]}},
      "8": {"class_type": "ControlNetApplyAdvanced", "inputs": {"positive": ["6", 0], "negative": ["7", 0], "strength": 1}},
      "20": {"class_type": "KSampler", "inputs": {"seed": 2, "steps": 10, "cfg": 5, "sampler_name": "euler", "scheduler": "normal",
             "denoise": 0.5, "model": ["4", 0], "positive": ["8", 0], "negative": ["8", 1], "latent_image": ["21", 0]}},
      "21": {"class_type": "LatentUpscaleBy", "inputs": {"samples": ["3", 0], "scale_by": 1.5}},
      "3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 7, "sampler_name": "euler", "scheduler": "normal",
            "denoise": 1.0, "model": ["4", 0], "positive": ["8", 0], "negative": ["8", 1], "latent_image": ["5", 0]}},
      "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}}
    })";
    const Json r = record_of(png_with_texts({{"prompt", graph}}));
    EXPECT_EQ(r["primary_sampler_id"], "3");
    EXPECT_EQ(r["seed"], 1);
    EXPECT_EQ(r["prompt"], "pos");
    EXPECT_EQ(r["negative_prompt"], "neg");
    ASSERT_EQ(r["samplers"].size(), 2u);
    EXPECT_EQ(r["samplers"][0]["id"], "20");
    EXPECT_EQ(r["samplers"][0]["latent"],
              (Json{{"class_type", "LatentUpscaleBy"}, {"upscale_of_sampler", "3"}, {"scale_by", 1.5}}));
}

TEST(ImportComfy, CyclicLinksEndAndKeepWhatIsReadable) {
    const std::string graph = R"({
      "1": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["2", 0], "conditioning_2": ["3", 0]}},
      "2": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["1", 0], "conditioning_2": ["3", 0]}},
      "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "loop text"}},
      "4": {"class_type": "LoraLoader", "inputs": {"model": ["5", 0]}},
      "5": {"class_type": "LoraLoader", "inputs": {"model": ["4", 0]}},
      "6": {"class_type": "LatentUpscale", "inputs": {"samples": ["7", 0]}},
      "7": {"class_type": "SetLatentNoiseMask", "inputs": {"samples": ["6", 0]}},
      "9": {"class_type": "KSampler", "inputs": {"seed": ["9", 0], "steps": 5, "cfg": 1, "sampler_name": "euler",
            "scheduler": "normal", "model": ["4", 0], "positive": ["1", 0], "negative": ["1", 0], "latent_image": ["6", 0]}}
    })";
    const Json r = record_of(png_with_texts({{"prompt", graph}}));
    EXPECT_EQ(r["generator"], "comfyui");
    EXPECT_EQ(r["prompt"], "loop text");
    EXPECT_TRUE(r["seed"].is_null());
    EXPECT_TRUE(r["model"].is_null());
    EXPECT_EQ(r["steps"], 5);
}

TEST(ImportComfy, DeepChainsAndDeeplyNestedJsonEnd) {
    std::string graph = R"({"0": {"class_type": "CLIPTextEncode", "inputs": {"text": "deep"}})";
    for (int i = 1; i <= 5000; ++i)
        graph += ", \"" + std::to_string(i) + R"(": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": [")" +
                 std::to_string(i - 1) + "\", 0]}}";
    graph += R"(, "s": {"class_type": "KSampler", "inputs": {"seed": 3, "steps": 4, "positive": ["5000", 0]}}})";
    const Json r = record_of(png_with_texts({{"prompt", graph}}));
    EXPECT_EQ(r["seed"], 3);
    EXPECT_TRUE(r["prompt"].is_null());  // beyond the walk's depth bound

    const std::string nested = "{\"1\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
    EXPECT_FALSE(read_generation_metadata(png_with_texts({{"prompt", nested}})).recognised());
}

TEST(ImportComfy, ManySamplersOverALongChainAreBounded) {
    std::string graph = R"({"0": {"class_type": "CLIPTextEncode", "inputs": {"text": "t"}})";
    for (int i = 1; i <= 4000; ++i)
        graph += ", \"c" + std::to_string(i) + R"(": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": [")" +
                 (i == 1 ? std::string("0") : "c" + std::to_string(i - 1)) + "\", 0]}}";
    for (int i = 0; i < 4000; ++i)
        graph += ", \"s" + std::to_string(i) + R"(": {"class_type": "KSampler", "inputs": {"seed": 1, "positive": ["c4000", 0]}})";
    graph += "}";
    const Json r = record_of(png_with_texts({{"prompt", graph}}));
    EXPECT_EQ(r["samplers"].size(), 64u);
    EXPECT_EQ(r["primary_sampler_id"], "s0");
}

TEST(ImportComfy, WebpExifPromptWithPrefixAndCustomNodeLayout) {
    const std::string graph =
        R"({"3": {"class_type": "KSampler", "inputs": {"seed": 8, "steps": 9, "cfg": 2, "sampler_name": "dpmpp_2m",
            "scheduler": "karras", "positive": ["6", 0], "latent_image": ["5", 0]}},
            "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "webp cat"}},
            "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 640, "height": 480}}})";
    for (const auto& [tag, prefix] : {std::pair<std::uint16_t, std::string>{0x0110, "prompt:"},
                                      std::pair<std::uint16_t, std::string>{0x010E, "Prompt:"}}) {
        const FileBytes webp = minimal_webp(exif_block({{0x010F, "workflow:{}"}, {tag, prefix + graph}}, "", false, true));
        const Json r = record_of(webp);
        EXPECT_EQ(r["generator"], "comfyui");
        EXPECT_EQ(r["prompt"], "webp cat");
        EXPECT_EQ(r["width"], 640);
    }
}

// ---- the artifact ----------------------------------------------------------------------

TEST(ImportArtifact, KeepsTheImageAndEveryTextAndPassesTheSchema) {
    TempDir dir;
    for (const char* name : {"enslo_forge-neo.jpeg", "sdparsers_night_evening_day_morning_cropped.png",
                             "novelaipy_sample-0317.png", "enslo_comfyui-animated-webp.webp"}) {
        const auto image = read_file_bytes(std::filesystem::path(RAIIAF_TEST_DATA_DIR) / "interop" / name);
        const auto out = dir / (std::string(name) + ".raiiaf");
        import_image(image, out);
        EXPECT_TRUE(check_file(out).ok()) << name;
        const auto reader = Reader::open(out);
        const Bytes stored = reader.load_image();
        EXPECT_TRUE(std::equal(stored.data(), stored.data() + stored.size(), image.begin(), image.end())) << name;
        const ModelInfo& model = reader.model_info();
        const Json* settings = imported_settings(model);
        ASSERT_NE(settings, nullptr) << name;
        const GenerationMetadata metadata = read_generation_metadata(image);
        ASSERT_EQ((*settings)["imported_metadata"].size(), metadata.texts.size()) << name;
        for (std::size_t i = 0; i < metadata.texts.size(); ++i)
            EXPECT_EQ((*settings)["imported_metadata"][i]["text"], metadata.texts[i].text) << name;
        EXPECT_EQ((*settings)["generator"], metadata.record["generator"]);
    }
}

TEST(ImportArtifact, SettingsWithoutSeedGoBesideGenerationSettings) {
    const GenerationMetadata metadata =
        read_generation_metadata(png_with_texts({{"parameters", "p\nSteps: 3, Sampler: Euler, CFG scale: 2"}}));
    const ModelInfo model = imported_model_info(metadata);
    EXPECT_FALSE(model.generation_settings.has_value());
    ASSERT_NE(imported_settings(model), nullptr);
    EXPECT_EQ((*imported_settings(model))["steps"], 3);
    EXPECT_EQ(model.model_name, "automatic1111");  // no model named: the generator
    TempDir dir;
    EXPECT_NO_THROW(import_image(png_with_texts({{"parameters", "p\nSteps: 3, Sampler: Euler, CFG scale: 2"}}),
                                 dir / "a.raiiaf"));
}

TEST(ImportArtifact, UnknownImagesAreAnInvalidArgument) {
    TempDir dir;
    EXPECT_MESSAGE_HAS(thrown_message<InvalidArgument>([&] { import_image(small_png(), dir / "x.raiiaf"); }),
                       "no generation metadata");
    EXPECT_FALSE(std::filesystem::exists(dir / "x.raiiaf"));
}

}  // namespace
}  // namespace raiiaf
